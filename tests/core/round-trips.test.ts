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
    const counted = countingStore(h.store);
    const rapport = new Rapport({ store: counted.store, logger: h.logger, defaultTimeZone: 'UTC' });
    const result = await rapport.handleCommand(
      h.actor,
      'log Renault Group call today Pricing questions',
      NOW,
    );
    expect(result.reply.text).toContain('Logged for *Renault Group*');
    expect(counted.count.topLevel).toEqual(['members.get', 'partners.findFirstNamed', 'transaction']);
    // The schedule reads the partner's planned events too: a planned visit quiets the visit reminder.
    expect(counted.count.inTransactions).toEqual([
      'interactions.add',
      'partners.history',
      'plannedEvents.listForPartner',
      'nudges.expirePending',
      'partners.setNextDueAt',
    ]);
  });

  it('delivers each nudge in two store calls besides the batch claim: the daily cap and the mark', async () => {
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
    // Once per pass, not per nudge: the due partners, the planned events' next steps, the batch claims.
    const perNudge = counted.count.topLevel.filter(
      (call) => !['nudges.claimDeliverable', 'partners.listDue', 'plannedEvents.listDueSteps'].includes(call),
    );
    expect(perNudge.filter((call) => call === 'nudges.countSentSince')).toHaveLength(report.delivered);
    expect(perNudge.filter((call) => call === 'nudges.markSent')).toHaveLength(report.delivered);
    expect(perNudge).toHaveLength(2 * report.delivered);
  });
});
