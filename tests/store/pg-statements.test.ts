import { describeWithPostgres } from '../support/postgres';
import { NOW, storeHarness } from './store-harness';
import type { StoreHarness } from './store-harness';

describeWithPostgres('PostgreSQL prepared statements', () => {
  let h: StoreHarness<'postgres'>;

  beforeEach(async () => {
    h = await storeHarness('postgres');
  });

  afterEach(async () => {
    await h.close();
  });

  it('keeps working when a newer instance adds a column to a table a prepared statement reads', async () => {
    // Prepared on every pooled connection that ran it (`SELECT * FROM workspaces WHERE id = $1`).
    for (let i = 0; i < 6; i++) expect((await h.store.workspaces.get('slack:T1'))?.name).toBe('Acme');
    // A rolling deploy: the newer instance's migration changes the table under this one's statements.
    await h.rows('ALTER TABLE workspaces ADD COLUMN region text');
    for (let i = 0; i < 6; i++) expect((await h.store.workspaces.get('slack:T1'))?.name).toBe('Acme');
    await h.rows('ALTER TABLE workspaces ADD COLUMN tier text');
    // Inside a use case's transaction the whole transaction is run again, with the statement renewed.
    let runs = 0;
    const name = await h.store.transaction(async (tx) => {
      runs += 1;
      await tx.workspaces.ensure('slack', 'T3', 'Initech', NOW);
      return (await tx.workspaces.get('slack:T1'))?.name;
    });
    expect(name).toBe('Acme');
    expect(runs).toBeGreaterThanOrEqual(1);
    expect((await h.store.workspaces.get('slack:T3'))?.name).toBe('Initech');
  });
});
