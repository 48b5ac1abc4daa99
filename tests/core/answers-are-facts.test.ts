/**
 * Answers are facts: "Reached out" records a call, internal answers are no contact. Through the core and
 * the scheduler, on a real SQLite file, with a fixed clock.
 */
import type { ChoiceResult, Message } from '../../src/core/messages';
import { evaluatePlaybook } from '../../src/core/playbook/playbook';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';

type Harness = Awaited<ReturnType<typeof coreHarness>>;

const at = (iso: string): Date => new Date(iso);

/** A harness whose scheduler delivers to a recording channel; helpers to find and press nudges. */
async function journey(start: string) {
  const h = await coreHarness({ now: at(start) });
  const channel = new RecordingChannel('shell');
  const scheduler = new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, {
    monotonic: () => 0,
    sleep: async () => undefined,
    random: () => 0.5,
  });
  return {
    h,
    channel,
    /** Runs a pass as of `when`; the messages it delivered. */
    async tick(when: string): Promise<Message[]> {
      const before = channel.deliveries.length;
      await scheduler.runDue(at(when));
      return channel.deliveries.slice(before).map((d) => d.message);
    },
    /** The nudge id a delivered message's buttons act on. */
    nudgeId(message: Message): number {
      const id = message.choices?.[0]?.id ?? '';
      return Number(/^n:(\d+):/.exec(id)?.[1]);
    },
    press(message: Message, action: string, when: string): Promise<ChoiceResult> {
      return h.rapport.handleChoice(h.actor, `n:${this.nudgeId(message)}:${action}`, at(when));
    },
    async partner() {
      return (await h.store.partners.findByName(h.actor.workspaceId, 'Nissan'))!;
    },
  };
}

function titled(messages: Message[], title: string): Message {
  const found = messages.find((m) => m.title?.endsWith(title));
  if (!found) throw new Error(`no “${title}” in ${JSON.stringify(messages.map((m) => m.title))}`);
  return found;
}

describe('“Reached out” records a contact', () => {
  let j: Awaited<ReturnType<typeof journey>>;
  let h: Harness;
  beforeEach(async () => {
    // Added on Monday 30 Nov 2026; keep-in-touch falls due three weeks later, on Monday 21 Dec.
    j = await journey('2026-11-30T10:00:00Z');
    h = j.h;
    await h.say('add Nissan');
  });
  afterEach(() => h.close());

  it('logs a call today: last contact and health change, and keep-in-touch is answered and advances', async () => {
    const keep = titled(await j.tick('2026-12-21T10:00:00Z'), 'Keep in touch');
    expect(keep.choices?.[0]?.label).toBe('Reached out');
    const before = await h.say('status Nissan', at('2026-12-22T10:00:00Z'));
    expect(before).toContain('Last contact: none logged');
    expect(before).toContain('Health 🔴 23/100');

    const result = await j.press(keep, 'reached-out', '2026-12-22T10:00:00Z');
    expect(result.reply.text).toContain(
      'recorded *Reached out* for Nissan (Keep in touch). Logged a call today.',
    );
    expect(result.replaceOriginal?.footer).toBe('Recorded “Reached out” — Ada, Tue 22 Dec 2026');

    const after = await h.say('status Nissan', at('2026-12-22T10:00:00Z'));
    expect(after).toContain('Last contact: Tue 22 Dec 2026 (today)');
    expect(after).toContain('Health 🟡 53/100');
    expect(after).toContain('✓ last contact today (30/30)');
    expect(after).toMatch(/Call — Keep in touch: Reached out/);
    const [nudge] = h.store.db
      .prepare("SELECT status, answer FROM nudges WHERE rule_id = 'keep-in-touch'")
      .all();
    expect(nudge).toEqual({ status: 'answered', answer: 'reached-out' });
    // Three weeks after the call, not after the occurrence it answered.
    const partner = await j.partner();
    const history = await h.store.partners.history(h.actor.workspaceId, partner.id);
    const next = evaluatePlaybook(
      { partner, history },
      at('2026-12-22T10:00:00Z'),
      h.rapport.playbook,
    ).upcoming;
    expect(next.find((o) => o.ruleId === 'keep-in-touch')?.occurrence).toBe('2027-01-12');
    expect(await j.tick('2027-01-11T10:00:00Z')).not.toContainEqual(
      expect.objectContaining({ title: 'Nissan — Keep in touch' }),
    );
  });

  it('does not count internal answers as contact: a day-7 “Going well” leaves last contact alone', async () => {
    await h.say('log Nissan meeting 2026-12-01 Kick-off', at('2026-12-01T10:00:00Z'));
    await h.say('signed Nissan 2026-12-01', at('2026-12-01T10:00:00Z'));
    await h.say('log Nissan alignment 2026-12-07 Sales and IT aligned', at('2026-12-07T10:00:00Z'));
    const checkIn = titled(await j.tick('2026-12-08T10:00:00Z'), 'Post-signing check-in');
    const before = await h.say('status Nissan', at('2026-12-08T10:00:00Z'));
    expect(before).toContain('Last contact: Tue 1 Dec 2026 (7 days ago)');

    await j.press(checkIn, 'well', '2026-12-08T10:00:00Z');

    const after = await h.say('status Nissan', at('2026-12-08T10:00:00Z'));
    expect(after).toContain('Last contact: Tue 1 Dec 2026 (7 days ago)');
    expect(after).toContain('✓ last contact 7 days ago (30/30)');
    expect(after).toMatch(/Check-in \(5\/5\) — Post-signing check-in \(d7\): Going well/);
  });
});
