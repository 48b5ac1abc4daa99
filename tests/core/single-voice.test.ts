import type { InteractionKind, Owner } from '../../src/core/model';
import { voiceRisk } from '../../src/core/single-voice';
import type { VoiceRisk } from '../../src/core/single-voice';

// Friday 27 November 2026; the window reaches back to 28 August.
const NOW = new Date('2026-11-27T10:00:00Z');
const TODAY = '2026-11-27';
const LONG_AGO = new Date('2026-01-01T00:00:00Z');

type OwnerRow = Pick<Owner, 'memberId' | 'known' | 'addressStale' | 'addedAt'>;
const owner = (memberId: string, extra: Partial<OwnerRow> = {}): OwnerRow => ({
  memberId,
  known: true,
  addressStale: false,
  addedAt: LONG_AGO,
  ...extra,
});
const touch = (memberId: string, kind: InteractionKind, occurredOn: string) => ({
  memberId,
  kind,
  occurredOn,
});
const answered = (answeredBy: string, at: string) => ({
  answeredBy,
  answeredAt: new Date(at),
  status: 'answered' as const,
});

describe('voiceRisk', () => {
  it.each<[string, Parameters<typeof voiceRisk>[0] extends infer I ? Partial<I> : never, VoiceRisk | null]>([
    [
      'flags every contact coming from one member (two or more)',
      { interactions: [touch('ada', 'call', '2026-11-10'), touch('ada', 'visit', '2026-10-01')] },
      { kind: 'one-voice', memberId: 'ada', touches: 2 },
    ],
    ['does not flag a single contact', { interactions: [touch('ada', 'call', '2026-11-10')] }, null],
    [
      'clears once a second member has a contact in the window',
      {
        interactions: [
          touch('ada', 'call', '2026-11-10'),
          touch('ada', 'visit', '2026-10-01'),
          touch('bo', 'meeting', '2026-11-26'),
        ],
      },
      null,
    ],
    [
      'counts only contact: a colleague’s observation is no second voice',
      {
        interactions: [
          touch('ada', 'call', '2026-11-10'),
          touch('ada', 'visit', '2026-10-01'),
          touch('bo', 'observation', '2026-11-26'),
        ],
      },
      { kind: 'one-voice', memberId: 'ada', touches: 2 },
    ],
    [
      'looks back 90 days only: an older contact by someone else does not count',
      {
        interactions: [
          touch('ada', 'call', '2026-11-10'),
          touch('ada', 'visit', '2026-10-01'),
          touch('bo', 'meeting', '2026-08-27'),
        ],
      },
      { kind: 'one-voice', memberId: 'ada', touches: 2 },
    ],
    [
      'flags an only owner who logged nothing and answered nothing in 90 days',
      { interactions: [touch('ada', 'call', '2026-08-01')] },
      { kind: 'inactive-owner', memberId: 'ada' },
    ],
    [
      'an answered nudge keeps an only owner active',
      { interactions: [], nudges: [answered('ada', '2026-11-01T09:00:00Z')] },
      null,
    ],
    [
      'does not call a new owner inactive before they have owned it 90 days',
      { owners: [owner('ada', { addedAt: new Date('2026-11-01T00:00:00Z') })], interactions: [] },
      null,
    ],
    [
      'does not call one of two owners inactive (the other may carry it)',
      { owners: [owner('ada'), owner('bo')], interactions: [] },
      null,
    ],
    [
      'flags an only owner whose address went stale',
      { owners: [owner('ada', { addressStale: true })], interactions: [touch('ada', 'call', '2026-11-10')] },
      { kind: 'gone-owner', memberId: 'ada' },
    ],
    [
      'flags an only owner the workspace no longer knows',
      { owners: [owner('ghost', { known: false })], interactions: [] },
      { kind: 'gone-owner', memberId: 'ghost' },
    ],
    [
      'does not flag a gone owner when another owner is reachable',
      {
        owners: [owner('ghost', { known: false }), owner('bo')],
        interactions: [touch('bo', 'call', '2026-11-10')],
      },
      null,
    ],
    [
      'says nothing about an ended partnership',
      { partner: { stage: 'ended', createdAt: LONG_AGO }, interactions: [] },
      null,
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(
      voiceRisk({
        partner: { stage: 'signed', createdAt: LONG_AGO },
        owners: [owner('ada')],
        interactions: [],
        nudges: [],
        today: TODAY,
        now: NOW,
        ...overrides,
      }),
    ).toEqual(expected);
  });
});
