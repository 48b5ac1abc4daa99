/** The member's attention budget, as a pure function of what is claimed, what was sent and the time. */
import type { Member, Nudge, Partner } from '../../src/core/model';
import { DEFAULT_PLAYBOOK } from '../../src/core/playbook/playbook';
import type { Delivery, SentNudge } from '../../src/core/ports';
import { planMemberDeliveries } from '../../src/scheduler/nudge-budget';
import { partnerFixture } from '../support/partner-fixture';

// Wednesday 2 December 2026, 10:00 UTC: a working morning for a member in UTC.
const NOW = new Date('2026-12-02T10:00:00Z');
const DAY = 86_400_000;
const OPTIONS = { dailyCap: 3, partnerIntervalDays: 7 };

const member = {
  workspaceId: 'shell:local',
  id: 'u1',
  timeZone: 'UTC',
  workingDays: [1, 2, 3, 4, 5],
  workStart: 540,
  workEnd: 1020,
  address: { channel: 'shell', payload: {} },
} as unknown as Member & { address: NonNullable<Member['address']> };

let nextId = 1;
function delivery(partner: Partner, ruleId: string, dueDaysAgo = 0): Delivery {
  const dueAt = new Date(NOW.getTime() - dueDaysAgo * DAY);
  const nudge = {
    id: nextId++,
    workspaceId: 'shell:local',
    partnerId: partner.id,
    memberId: 'u1',
    ruleId,
    occurrence: `o${nextId}`,
    dueAt,
    deliverAfter: dueAt,
    status: 'pending',
    createdAt: dueAt,
  } as Nudge;
  return { nudge, member, partner, history: {} };
}

const partner = (id: number, name: string): Partner => ({
  ...partnerFixture('2026-01-01T00:00:00Z'),
  id,
  name,
});
const [nissan, mazda, honda, subaru] = [
  partner(1, 'Nissan'),
  partner(2, 'Mazda'),
  partner(3, 'Honda'),
  partner(4, 'Subaru'),
];
const sent = (partnerId: number, hoursAgo: number, ruleId = 'keep-in-touch'): SentNudge => ({
  partnerId,
  ruleId,
  sentAt: new Date(NOW.getTime() - hoursAgo * 3_600_000),
});
const plan = (deliveries: Delivery[], already: SentNudge[] = []) =>
  planMemberDeliveries(deliveries, already, member, NOW, DEFAULT_PLAYBOOK, OPTIONS);
const ids = (list: Delivery[]) => list.map((d) => `${d.partner.name}:${d.nudge.ruleId}`);

describe('the nudge budget', () => {
  it('folds the nudges about one partner into one message, the most important first', () => {
    const result = plan([
      delivery(nissan, 'cultural-observation'),
      delivery(nissan, 'post-signing'),
      delivery(nissan, 'site-visit'),
    ]);
    expect(result.send.map(ids)).toEqual([
      ['Nissan:post-signing', 'Nissan:site-visit', 'Nissan:cultural-observation'],
    ]);
    expect(result.hold).toEqual([]);
  });

  it('expires what a rule the workspace turned off since asked for, and sends the rest', () => {
    const turnedOff = {
      ...DEFAULT_PLAYBOOK,
      rules: DEFAULT_PLAYBOOK.rules.map((rule) =>
        rule.id === 'promise-before' || rule.id === 'site-visit' ? { ...rule, off: true } : rule,
      ),
    };
    const result = planMemberDeliveries(
      [delivery(nissan, 'site-visit'), delivery(nissan, 'keep-in-touch'), delivery(mazda, 'promise-before')],
      [],
      member,
      NOW,
      turnedOff,
      OPTIONS,
    );
    expect(ids(result.expire).sort()).toEqual(['Mazda:promise-before', 'Nissan:site-visit']);
    expect(result.send.map(ids)).toEqual([['Nissan:keep-in-touch']]);
  });

  it('spends the daily cap by priority, not by arrival: routine nudges wait for the next morning', () => {
    const result = plan(
      [
        delivery(nissan, 'cultural-observation', 3),
        delivery(mazda, 'keep-in-touch', 2),
        delivery(honda, 'relationship-pulse', 0),
        delivery(subaru, 'site-visit', 0),
      ],
      [sent(99, 1)],
    ); // one message already went this morning
    expect(result.send.map(ids)).toEqual([['Honda:relationship-pulse'], ['Subaru:site-visit']]);
    expect(result.hold.map((h) => [h.delivery.partner.name, h.until.toISOString()])).toEqual([
      ['Nissan', '2026-12-03T09:00:00.000Z'],
      ['Mazda', '2026-12-03T09:00:00.000Z'],
    ]);
  });

  it('sends at most one message about a partner a week, unless it carries a post-signing milestone', () => {
    const result = plan(
      [delivery(nissan, 'site-visit'), delivery(mazda, 'post-signing'), delivery(mazda, 'joint-workshop')],
      [sent(nissan.id, 48), sent(mazda.id, 24)],
    );
    // Mazda's milestone goes, and the workshop due with it travels in the same message.
    expect(result.send.map(ids)).toEqual([['Mazda:post-signing', 'Mazda:joint-workshop']]);
    // Nissan heard from us two days ago: its visit nudge waits until a week after that message.
    expect(result.hold.map((h) => [ids([h.delivery]), h.until.toISOString()])).toEqual([
      [['Nissan:site-visit'], '2026-12-07T10:00:00.000Z'],
    ]);
  });

  it('lets a milestone through the daily cap: it is delivered on its day', () => {
    const result = plan([delivery(nissan, 'post-signing')], [sent(7, 1), sent(8, 2), sent(9, 3)]);
    expect(result.send.map(ids)).toEqual([['Nissan:post-signing']]);
  });

  it('counts folded nudges as one message', () => {
    const foldedThisMorning = [sent(7, 1, 'site-visit'), sent(7, 1, 'keep-in-touch'), sent(8, 2)];
    expect(plan([delivery(nissan, 'site-visit')], foldedThisMorning).send).toHaveLength(1);
  });

  it('expires a low-priority nudge that would have to wait past its usefulness', () => {
    // Keep-in-touch is useful for 7 days; due 5 days ago, it would wait 6 more for the interval.
    const result = plan([delivery(nissan, 'keep-in-touch', 5)], [sent(nissan.id, 24)]);
    expect(ids(result.expire)).toEqual(['Nissan:keep-in-touch']);
    expect(result.send).toEqual([]);
    expect(result.hold).toEqual([]);
  });
});
