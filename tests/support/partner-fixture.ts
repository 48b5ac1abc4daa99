import type { Partner } from '../../src/core/model';

/** A partner as the core sees it, added at `addedAt`, with anything else overridden. */
export function partnerFixture(addedAt: string, overrides: Partial<Partner> = {}): Partner {
  return {
    id: 1,
    workspaceId: 'shell:local',
    name: 'Nissan',
    stage: 'exploring',
    country: null,
    timeZone: null,
    firstMetOn: null,
    signedOn: null,
    stageChangedAt: new Date(addedAt),
    createdAt: new Date(addedAt),
    createdBy: 'u1',
    owners: ['u1'],
    ...overrides,
  };
}
