/**
 * The post-signing drop-off alert: the pure rule (windows, ratio, suggestion) table-driven, then the
 * scheduler's step over weeks of daily passes: one alert for a crafted drop, none for a healthy partner,
 * and a second only after the rate recovered and dropped again. A real SQLite file, fixed clocks.
 */
import type { InteractionKind } from '../../src/core/model';
import type { DropOffInput } from '../../src/core/playbook/drop-off';
import { checkDropOff, dropOffNumbers, parseDropOffOccurrence } from '../../src/core/playbook/drop-off';
import { DEFAULT_DROP_OFF } from '../../src/core/playbook/playbook';
import { addDaysToDate } from '../../src/core/time';
import { NudgeScheduler } from '../../src/scheduler/nudge-scheduler';
import { coreHarness } from '../support/core-harness';
import { RecordingChannel } from '../support/recording-channel';

const SIGNED = '2026-10-01';
const day = (offset: number): string => addDaysToDate(SIGNED, offset);
/** Six touches in the 90 days before signing. */
const BEFORE = [-80, -65, -50, -35, -20, -5].map(day);

function check(overrides: Partial<DropOffInput> & { todayOffset: number }) {
  const { todayOffset, ...rest } = overrides;
  return checkDropOff({
    signedOn: SIGNED,
    today: day(todayOffset),
    touches: BEFORE,
    logged: [],
    armed: true,
    settings: DEFAULT_DROP_OFF,
    ...rest,
  });
}

const logged = (...kinds: InteractionKind[]) => kinds.map((kind) => ({ kind, occurredOn: day(10) }));

describe('the drop-off rule', () => {
  it.each<{ name: string; input: Parameters<typeof check>[0]; expected: object }>([
    {
      name: 'too early: under 30 days since signing, nothing is judged',
      input: { todayOffset: 29 },
      expected: { period: 0, action: 'none' },
    },
    {
      name: 'day 30, no touch since: fires, suggesting a visit',
      input: { todayOffset: 30 },
      expected: { period: 1, before: 6, after: 0, days: 30, ratio: 0, action: 'fire', suggestion: 'visit' },
    },
    {
      name: 'day 30, one touch: exactly half the rate is not below half',
      input: { todayOffset: 30, touches: [...BEFORE, day(12)] },
      expected: { after: 1, ratio: 0.5, action: 'none' },
    },
    {
      name: 'day 60, one touch: a quarter of the rate, fires',
      input: { todayOffset: 60, touches: [...BEFORE, day(12)] },
      expected: { after: 1, days: 60, ratio: 0.25, action: 'fire' },
    },
    {
      name: 'disarmed and still low: nothing again',
      input: { todayOffset: 45, armed: false },
      expected: { action: 'none' },
    },
    {
      name: 'disarmed and recovered: re-arms',
      input: { todayOffset: 45, armed: false, touches: [...BEFORE, day(31), day(38), day(44)] },
      expected: { after: 3, ratio: 1, action: 'rearm' },
    },
    {
      name: 'too few touches before to drop from: nothing',
      input: { todayOffset: 40, touches: [day(-30), day(-10)] },
      expected: { before: 2, ratio: null, action: 'none' },
    },
    {
      name: 'a visit since: the joint workshop is suggested',
      input: { todayOffset: 30, logged: logged('hosted') },
      expected: { action: 'fire', suggestion: 'workshop' },
    },
    {
      name: 'a visit and a workshop since: an alignment meeting',
      input: { todayOffset: 30, logged: logged('visit', 'workshop') },
      expected: { suggestion: 'alignment' },
    },
    {
      name: 'every habit since: get back in touch',
      input: { todayOffset: 30, logged: logged('visit', 'workshop', 'alignment') },
      expected: { suggestion: 'contact' },
    },
    {
      name: 'day 100: the first period, complete, until 30 days of the second',
      input: { todayOffset: 100, touches: [...BEFORE, day(20), day(50), day(80)] },
      expected: { period: 1, days: 90, after: 3, ratio: 0.5, action: 'none' },
    },
    {
      name: 'day 120: the second quarter against the first',
      input: { todayOffset: 120, touches: [...BEFORE, day(20), day(50), day(80)] },
      expected: { period: 2, before: 3, after: 0, days: 30, action: 'fire' },
    },
  ])('$name', ({ input, expected }) => {
    expect(check(input)).toMatchObject(expected);
  });

  it('says the numbers in words, from the occurrence alone', () => {
    expect(dropOffNumbers(parseDropOffOccurrence('q1:6:1:30')!, 90)).toBe(
      '6 touches in the 90 days before signing, 1 since',
    );
    expect(dropOffNumbers(parseDropOffOccurrence('q2:3:0:30')!, 90)).toBe(
      '3 touches in the 90 days before, 0 in the 30 days since',
    );
    expect(parseDropOffOccurrence('p1:2026-12-01')).toBeNull();
  });
});

describe('the drop-off step, over weeks of passes', () => {
  async function signedWithSixTouches() {
    const h = await coreHarness({ now: new Date(`${SIGNED}T10:00:00Z`) });
    const channel = new RecordingChannel('shell');
    const scheduler = new NudgeScheduler(h.store, h.rapport, new Map([['shell', channel]]), h.logger, {
      monotonic: () => 0,
      sleep: async () => undefined,
      random: () => 0.5,
    });
    await h.say('add Nissan negotiating');
    for (const touch of BEFORE) await h.say(`log Nissan meeting ${touch}`);
    await h.say(`signed Nissan ${SIGNED}`);
    const alerts = async () =>
      (await h.query(
        `SELECT rule_id, occurrence, status, created_at, sent_at FROM nudges WHERE rule_id LIKE 'drop-off-%' ORDER BY id`,
      )) as {
        rule_id: string;
        occurrence: string;
        status: string;
        created_at: string;
        sent_at: string;
      }[];
    /** Daily passes at 10:00 UTC from day `from` to day `to` after signing. */
    const passes = async (from: number, to: number, every = 1) => {
      for (let offset = from; offset <= to; offset += every)
        await scheduler.runDue(new Date(`${day(offset)}T10:00:00Z`));
    };
    return { h, channel, alerts, passes };
  }

  it('alerts the owner exactly once for a drop, with the numbers and a visit to plan', async () => {
    const { h, channel, alerts, passes } = await signedWithSixTouches();
    await passes(1, 33);
    const alert = channel.deliveries
      .map((d) => d.message)
      .flatMap((m) => [
        m,
        ...(m.sections ?? []).map((s) => ({ text: s.lines.join(' '), choices: s.choices })),
      ])
      .find((m) => m.text.includes('Contact with *Nissan* has dropped'));
    expect(alert?.text).toContain('6 touches in the 90 days before signing, 0 since');
    expect(alert?.text).toContain('plan a visit');
    expect(alert?.choices?.filter((c) => !c.secondary)).toEqual([
      expect.objectContaining({ label: 'Plan a visit', style: 'primary' }),
    ]);
    // Its button plans the visit: the date is asked for, as for any planned visit.
    const plan = alert!.choices!.find((c) => c.label === 'Plan a visit')!.id;
    const answer = await h.rapport.handleChoice(h.actor, plan, new Date(`${day(33)}T11:00:00Z`));
    expect(answer.reply.text).toContain('When is the visit to *Nissan*?');
    expect(answer.openForm?.id).toBe('plan-event');

    // Weeks more of daily passes bring no second alert for the same drop.
    await passes(34, 89);
    expect(await alerts()).toEqual([
      {
        rule_id: 'drop-off-visit',
        occurrence: 'q1:6:0:30',
        status: 'answered',
        created_at: `${day(30)}T10:00:00.000Z`,
        // Day 30 is a Saturday: delivered on Monday's pass.
        sent_at: `${day(32)}T10:00:00.000Z`,
      },
    ]);
    const state = await h.one('SELECT armed, fired_period FROM drop_off_state');
    expect(state).toEqual({ armed: 0, fired_period: 1 });
    await h.close();
  });

  it('never alerts for a partner kept in touch with', async () => {
    const { h, alerts, passes } = await signedWithSixTouches();
    for (let week = 1; week <= 26; week++) {
      await h.say(`log Nissan call ${day(week * 7)}`, new Date(`${day(week * 7)}T12:00:00Z`));
      await passes(week * 7 - 6, week * 7, 2);
    }
    expect(await alerts()).toEqual([]);
    await h.close();
  });

  it('re-arms only after the rate recovers, then alerts for the next drop', async () => {
    const { h, alerts, passes } = await signedWithSixTouches();
    await passes(1, 33);
    expect((await alerts()).map((a) => a.occurrence)).toEqual(['q1:6:0:30']);
    for (const offset of [34, 35, 36, 37, 38])
      await h.say(`log Nissan meeting ${day(offset)}`, new Date(`${day(offset)}T12:00:00Z`));
    await passes(39, 119, 2);
    const rearmed = await h.one('SELECT armed FROM drop_off_state');
    expect(rearmed).toEqual({ armed: 1 });
    // The second quarter with no touch against the five of the first: a new drop, a new alert.
    await passes(120, 150, 3);
    expect((await alerts()).map((a) => a.occurrence)).toEqual(['q1:6:0:30', 'q2:5:0:30']);
    await h.close();
  });
});
