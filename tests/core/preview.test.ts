import type { PartnerState, Partner } from '../../src/core/model';
import type { Occurrence } from '../../src/core/playbook/playbook';
import { DEFAULT_PLAYBOOK, evaluatePlaybook } from '../../src/core/playbook/playbook';
import { previewPlaybook } from '../../src/core/playbook/preview';
import { partnerFixture } from '../support/partner-fixture';

const FROM = new Date('2026-11-27T12:00:00.000Z');

function state(overrides: Partial<Partner>, history: PartnerState['history'] = {}): PartnerState {
  return { partner: partnerFixture('2026-11-01T10:00:00Z', overrides), history };
}

const brief = (list: Occurrence[]): string[] =>
  list.map((o) => `${o.dueAt.toISOString().slice(0, 10)} ${o.ruleId} ${o.occurrence}`);

/** The slow, obvious way: evaluate every hour of the window and keep what became due after `from`. */
function bruteForce(s: PartnerState, from: Date, days: number): string[] {
  const seen = new Map<string, Occurrence>();
  for (let hour = 0; hour <= days * 24; hour++) {
    const at = new Date(from.getTime() + hour * 3_600_000);
    for (const o of evaluatePlaybook(s, at, DEFAULT_PLAYBOOK).due) {
      if (o.dueAt.getTime() > from.getTime()) seen.set(`${o.ruleId}|${o.occurrence}`, o);
    }
  }
  const order = DEFAULT_PLAYBOOK.rules.map((r) => r.id);
  return brief(
    [...seen.values()].sort(
      (a, b) => a.dueAt.getTime() - b.dueAt.getTime() || order.indexOf(a.ruleId) - order.indexOf(b.ruleId),
    ),
  );
}

describe('timeline preview', () => {
  it('lists what falls due in the window, not what is already due', () => {
    const preview = previewPlaybook(state({}), FROM, 30, DEFAULT_PLAYBOOK);
    // Added 1 Nov: keep in touch after 30 quiet days, a cultural observation after 45.
    expect(brief(preview)).toEqual([
      '2026-12-01 keep-in-touch 2026-12-01',
      '2026-12-16 cultural-observation 2026-12-16',
    ]);
  });

  it('repeats recurring rules over a year, as if nothing new were logged', () => {
    const preview = previewPlaybook(state({}), FROM, 365, DEFAULT_PLAYBOOK);
    const count = (ruleId: string): number => preview.filter((o) => o.ruleId === ruleId).length;
    expect(count('cultural-observation')).toBe(8); // every 45 days
    expect(count('keep-in-touch')).toBe(13); // every 30 days
    expect(count('site-visit')).toBe(3);
    expect(count('relationship-pulse')).toBe(4);
    expect(preview).toHaveLength(28);
  });

  it.each([
    ['an exploring partner', state({})],
    [
      'a negotiating partner',
      state({ stage: 'negotiating', stageChangedAt: new Date('2026-11-26T09:00:00Z') }),
    ],
    [
      'a partner signed last week',
      state(
        { stage: 'signed', signedOn: '2026-11-20' },
        { meeting: { first: '2026-11-26', last: '2026-11-26', count: 1 } },
      ),
    ],
    [
      'a partner with history',
      state(
        { stage: 'signed', signedOn: '2026-03-01' },
        {
          visit: { first: '2026-04-01', last: '2026-10-01', count: 2 },
          observation: { first: '2026-04-02', last: '2026-11-20', count: 5 },
          workshop: { first: '2026-03-10', last: '2026-03-10', count: 1 },
        },
      ),
    ],
  ])('matches an hour-by-hour replay of the playbook for %s', (_name, s) => {
    expect(brief(previewPlaybook(s, FROM, 120, DEFAULT_PLAYBOOK))).toEqual(bruteForce(s, FROM, 120));
  });

  it('shows the post-signing check-ins with their day numbers', () => {
    const preview = previewPlaybook(
      state({ stage: 'signed', signedOn: '2026-11-20' }),
      FROM,
      120,
      DEFAULT_PLAYBOOK,
    );
    expect(preview.filter((o) => o.ruleId === 'post-signing').map((o) => [o.occurrence, o.days])).toEqual([
      ['d30', 30],
      ['d60', 60],
      ['d100', 100],
    ]);
  });

  it('includes an occurrence due exactly at the end of the window', () => {
    const until = new Date('2026-12-16T00:00:00.000Z');
    const days = (until.getTime() - FROM.getTime()) / 86_400_000;
    expect(brief(previewPlaybook(state({}), FROM, days, DEFAULT_PLAYBOOK)).pop()).toBe(
      '2026-12-16 cultural-observation 2026-12-16',
    );
  });

  it('plans nothing for an ended collaboration', () => {
    expect(previewPlaybook(state({ stage: 'ended' }), FROM, 365, DEFAULT_PLAYBOOK)).toEqual([]);
  });
});
