import type { DigestPartner } from '../../src/core/digest';
import { digestMessage, digestWeek, workWeekStartDay } from '../../src/core/digest';
import type { Health } from '../../src/core/health';
import type { Interaction, Partner, WorkingPrefs } from '../../src/core/model';
import { DEFAULT_PLAYBOOK } from '../../src/core/playbook/playbook';

const prefs = (timeZone: string, workingDays = [1, 2, 3, 4, 5]): WorkingPrefs => ({
  timeZone,
  workingDays,
  workStart: 9 * 60,
  workEnd: 17 * 60,
});

describe('the member’s working week', () => {
  it.each([
    [[1, 2, 3, 4, 5], 1],
    [[7, 1, 2, 3, 4], 7],
    [[2, 3, 4, 5, 6], 2],
    [[1, 3, 5], 1],
    [[6, 7], 6],
    [[1, 2, 3, 4, 5, 6, 7], 1],
  ])('with working days %j starts on weekday %i', (days, start) => {
    expect(workWeekStartDay(days)).toBe(start);
  });

  it.each([
    [
      'Monday 09:00 in Tokyo',
      prefs('Asia/Tokyo'),
      '2026-11-30T00:00:00Z',
      '2026-W49',
      '2026-11-30',
      '2026-11-30T00:00:00.000Z',
      true,
    ],
    [
      'Monday 08:59 in Tokyo',
      prefs('Asia/Tokyo'),
      '2026-11-29T23:59:00Z',
      '2026-W49',
      '2026-11-30',
      '2026-11-30T00:00:00.000Z',
      false,
    ],
    [
      'Wednesday noon in Tokyo (a missed Monday is not caught up)',
      prefs('Asia/Tokyo'),
      '2026-12-02T03:00:00Z',
      '2026-W49',
      '2026-11-30',
      '2026-11-30T00:00:00.000Z',
      false,
    ],
    [
      'Monday 16:59 in Tokyo (later the same working day)',
      prefs('Asia/Tokyo'),
      '2026-11-30T07:59:00Z',
      '2026-W49',
      '2026-11-30',
      '2026-11-30T00:00:00.000Z',
      true,
    ],
    [
      'Saturday noon in Tokyo',
      prefs('Asia/Tokyo'),
      '2026-12-05T03:00:00Z',
      '2026-W49',
      '2026-11-30',
      '2026-11-30T00:00:00.000Z',
      false,
    ],
    [
      'Sunday 09:00 in Dubai, working sun–thu',
      prefs('Asia/Dubai', [7, 1, 2, 3, 4]),
      '2026-11-29T05:00:00Z',
      '2026-W48',
      '2026-11-29',
      '2026-11-29T05:00:00.000Z',
      true,
    ],
    [
      'Monday in Dubai, working sun–thu',
      prefs('Asia/Dubai', [7, 1, 2, 3, 4]),
      '2026-11-30T06:00:00Z',
      '2026-W48',
      '2026-11-29',
      '2026-11-29T05:00:00.000Z',
      false,
    ],
    [
      'the Monday after the clocks went back in Paris',
      prefs('Europe/Paris'),
      '2026-10-26T08:00:00Z',
      '2026-W44',
      '2026-10-26',
      '2026-10-26T08:00:00.000Z',
      true,
    ],
    [
      'the Monday before it, in summer time',
      prefs('Europe/Paris'),
      '2026-10-19T07:30:00Z',
      '2026-W43',
      '2026-10-19',
      '2026-10-19T07:00:00.000Z',
      true,
    ],
    [
      'the last Monday of 2026',
      prefs('UTC'),
      '2026-12-28T09:00:00Z',
      '2026-W53',
      '2026-12-28',
      '2026-12-28T09:00:00.000Z',
      true,
    ],
    [
      'the first Monday of 2027',
      prefs('UTC'),
      '2027-01-04T09:00:00Z',
      '2027-W01',
      '2027-01-04',
      '2027-01-04T09:00:00.000Z',
      true,
    ],
  ])(
    '%s is in week %s (starting %s, first morning %s; a digest may go: %s)',
    (_name, member, now, week, weekStart, firstSlot, due) => {
      const result = digestWeek(member, new Date(now));
      expect(result).toEqual({ week, weekStart, firstSlot: new Date(firstSlot), due });
    },
  );
});

function partner(id: number, name: string, stage: Partner['stage'] = 'signed'): Partner {
  return {
    id,
    workspaceId: 'w',
    name,
    stage,
    country: null,
    timeZone: null,
    firstMetOn: null,
    signedOn: null,
    stageChangedAt: new Date('2026-01-01T00:00:00Z'),
    createdAt: new Date('2026-01-01T00:00:00Z'),
    createdBy: 'u1',
    owners: ['u1'],
  };
}

function health(score: number, reason: string): Health {
  return {
    score,
    band: score >= 70 ? 'good' : score >= 40 ? 'fair' : 'poor',
    factors: [],
    reasons: [reason],
    nextStep: { id: 'visit', kind: 'visit', text: 'Visit them at their premises', gain: 10 },
  };
}

function logged(partnerId: number, kind: Interaction['kind'], occurredOn: string): Interaction {
  return {
    id: 1,
    workspaceId: 'w',
    partnerId,
    memberId: 'u1',
    kind,
    occurredOn,
    note: null,
    rating: null,
    nudgeId: null,
    createdAt: new Date(`${occurredOn}T10:00:00Z`),
  };
}

describe('the digest message', () => {
  const week = digestWeek(prefs('UTC'), new Date('2026-11-30T09:00:00Z'));
  const entry = (over: Partial<DigestPartner> & { partner: Partner; health: Health }): DigestPartner => ({
    waiting: 0,
    lastWeek: [],
    upcoming: [],
    ...over,
  });

  it('says who needs attention and why, lowest health first, what was logged last week and what is coming', () => {
    const message = digestMessage({
      week,
      playbook: DEFAULT_PLAYBOOK,
      partners: [
        entry({ partner: partner(1, 'Renault'), health: health(55, 'no in-person visit in 7 months') }),
        entry({
          partner: partner(2, 'Nissan'),
          health: health(30, 'last contact 4 months ago'),
          waiting: 2,
          lastWeek: [
            logged(2, 'visit', '2026-11-24'),
            logged(2, 'observation', '2026-11-25'),
            logged(2, 'observation', '2026-11-29'),
          ],
          upcoming: [{ ruleId: 'site-visit', occurrence: 'x', dueAt: new Date('2026-12-02T00:00:00Z') }],
        }),
        entry({
          partner: partner(3, 'Toyota'),
          health: health(90, 'last contact today'),
          lastWeek: [logged(3, 'call', '2026-11-22'), logged(3, 'call', '2026-11-23')],
          upcoming: [{ ruleId: 'keep-in-touch', occurrence: 'y', dueAt: new Date('2026-12-01T00:00:00Z') }],
        }),
        entry({ partner: partner(4, 'Ended Co', 'ended'), health: health(0, 'nothing logged yet') }),
      ],
    })!;
    expect(message.title).toBe('Your partnerships — week of Mon 30 Nov 2026');
    expect(message.text).toContain('2 of your 3 relationships need attention');
    expect(message.text).toContain('2 nudges are waiting for you');
    const [attention, lastWeek, coming] = message.sections!;
    expect(attention!.lines).toEqual([
      '🔴 30/100 *Nissan* — last contact 4 months ago · 2 nudges waiting for you. Next: Visit them at their premises (+10)',
      '🟡 55/100 *Renault* — no in-person visit in 7 months. Next: Visit them at their premises (+10)',
    ]);
    expect(lastWeek!.title).toBe('Logged last week (Mon 23 Nov 2026 – Sun 29 Nov 2026)');
    expect(lastWeek!.lines).toEqual([
      '*Nissan*: Visit to their premises, Cultural observation ×2',
      '*Toyota*: Call',
    ]);
    expect(coming!.lines).toEqual([
      'Tue 1 Dec 2026 — *Toyota*: Keep in touch',
      'Wed 2 Dec 2026 — *Nissan*: Plan a site visit',
    ]);
    expect(message.footer).toContain('prefs digest off');
  });

  it('has nothing to say to a member without active partners', () => {
    expect(digestMessage({ week, playbook: DEFAULT_PLAYBOOK, partners: [] })).toBeNull();
    expect(
      digestMessage({
        week,
        playbook: DEFAULT_PLAYBOOK,
        partners: [entry({ partner: partner(4, 'Ended Co', 'ended'), health: health(0, 'x') })],
      }),
    ).toBeNull();
  });
});
