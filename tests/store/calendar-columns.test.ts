import { NOW, storeHarness } from './store-harness';
import type { StoreHarness } from './store-harness';

describe('SQLite: both sides’ calendars', () => {
  let h: StoreHarness;
  beforeEach(async () => {
    h = await storeHarness();
  });
  afterEach(() => h.close());

  it('keeps a partner’s time zone beside its country, across a reopen, and clears it', async () => {
    const partner = await h.store.partners.create({
      workspaceId: 'slack:T1',
      name: 'Nissan',
      stage: 'exploring',
      createdBy: 'U1',
      now: NOW,
    });
    expect(partner).toMatchObject({ country: null, timeZone: null });
    await h.store.partners.update('slack:T1', partner.id, { country: 'JP', timeZone: 'Asia/Tokyo' });
    const store = await h.reopen();
    expect(await store.partners.get('slack:T1', partner.id)).toMatchObject({
      country: 'JP',
      timeZone: 'Asia/Tokyo',
    });
    // Another workspace's partner with the same id is not touched or read.
    expect(await store.partners.get('slack:T2', partner.id)).toBeNull();
    await store.partners.update('slack:T1', partner.id, { timeZone: null });
    expect(await store.partners.get('slack:T1', partner.id)).toMatchObject({ country: 'JP', timeZone: null });
  });

  it('keeps a member’s holiday country through other preference changes, until it is set back to null', async () => {
    expect(await h.store.members.get('slack:T1', 'U1')).toMatchObject({ holidayCountry: null });
    await h.store.members.updatePrefs('slack:T1', 'U1', { holidayCountry: 'GB-SCT' });
    await h.store.members.updatePrefs('slack:T1', 'U1', { workStart: 480 });
    const store = await h.reopen();
    expect(await store.members.get('slack:T1', 'U1')).toMatchObject({
      holidayCountry: 'GB-SCT',
      workStart: 480,
    });
    await store.members.updatePrefs('slack:T1', 'U1', { holidayCountry: null });
    expect(await store.members.get('slack:T1', 'U1')).toMatchObject({ holidayCountry: null });
  });
});
