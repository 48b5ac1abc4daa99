/**
 * How often a command and a delivered nudge reach the store: what reads a use case repeats costs every
 * request (and, on a networked database, a round trip each).
 */
import { Rapport } from '../../src/core/rapport';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness } from '../support/core-harness';
import { countingStore } from '../support/counting-store';
import { RecordingChannel } from '../support/recording-channel';

const NOW = new Date('2026-11-27T10:00:00Z');

describe('store round trips', () => {
  let h: Awaited<ReturnType<typeof coreHarness>>;
  beforeEach(async () => {
    h = await coreHarness({ now: NOW });
    await h.say('add "Renault Group"');
    await h.say('signed "Renault Group" 2026-10-27');
  });
  afterEach(() => h.close());

  it('logs an interaction in three store calls: the member, the partner, one transaction', async () => {
    // Inside it: the interaction, the schedule, and the journal entry that lets `undo` take it back (with
    // the partner's undelivered nudges read before re-planning, to know which ones the log expired). The
    // insert returns the partner's history with it, so re-planning does not read it a second time.
    const counted = countingStore(h.store);
    const rapport = new Rapport({ store: counted.store, logger: h.logger, defaultTimeZone: 'UTC' });
    const result = await rapport.handleCommand(
      h.actor,
      'log Renault Group call today Pricing questions',
      NOW,
    );
    expect(result.reply.text).toContain('Logged for *Renault Group*');
    expect(counted.count.topLevel).toEqual(['members.get', 'partners.findFirstNamed', 'transaction']);
    // No open nudge: nothing to close, none to remember for an undo.
    expect(counted.count.inTransactions).not.toContain('partners.history');
    expect(counted.count.inTransactions).toEqual([
      'interactions.addReadingHistory',
      'nudges.listOpenForPartner',
      'plannedEvents.listForPartner',
      'nudges.expirePending',
      'partners.setNextDueAt',
      'journal.add',
    ]);
  });

  it('logs in two store calls when the channel passes the member it has just read: the partner, one transaction', async () => {
    // A channel identifies the sender (reading the member) before every command; reading it again is waste.
    const { member } = await h.rapport.identify('shell', 'local', { memberId: 'ada' }, NOW);
    const counted = countingStore(h.store);
    const rapport = new Rapport({ store: counted.store, logger: h.logger, defaultTimeZone: 'UTC' });
    const result = await rapport.handleCommand(
      h.actor,
      'log Renault Group call today',
      NOW,
      undefined,
      member,
    );
    expect(result.reply.text).toContain('Logged for *Renault Group*');
    expect(counted.count.topLevel).toEqual(['partners.findFirstNamed', 'transaction']);
    // A member of someone else is not taken for the actor's: it is read.
    counted.reset();
    await rapport.handleCommand(h.actor, 'log Renault Group call today', NOW, undefined, {
      ...member,
      id: 'bob',
    });
    expect(counted.count.topLevel).toEqual(['members.get', 'partners.findFirstNamed', 'transaction']);
  });

  it('delivers each nudge in at most two store calls besides the batch claim: the budget and the mark', async () => {
    const counted = countingStore(h.store);
    const rapport = new Rapport({ store: counted.store, logger: h.logger, defaultTimeZone: 'UTC' });
    const channel = new RecordingChannel('shell');
    const scheduler = new NudgeScheduler(counted.store, rapport, new Map([['shell', channel]]), h.logger, {
      workspaceRatePerSecond: 1000,
      conversationIntervalMs: 0,
      dailyCap: 10,
    });
    await scheduler.materialize(NOW);
    counted.reset();
    const report = await scheduler.runDue(NOW);
    expect(report.delivered).toBeGreaterThanOrEqual(2);
    const perPass = [
      'nudges.claimDeliverable',
      'partners.listDue',
      'nudges.expireOverdue',
      'nudges.listMessageUpdates',
    ];
    const perNudge = counted.count.topLevel.filter((call) => !perPass.includes(call));
    // One read of the member's recent sends for all their nudges, one mark per nudge.
    expect(perNudge.filter((call) => call === 'nudges.listSentSince')).toHaveLength(1);
    expect(perNudge.filter((call) => call === 'nudges.markSent')).toHaveLength(report.delivered);
    expect(perNudge.length).toBeLessThanOrEqual(2 * report.delivered);
  });
});
