import { after, DAY, NOW, STORE_KINDS, storeHarness } from './store-harness';
import type { StoreHarness, StoreKind } from './store-harness';

describe.each(STORE_KINDS)('%s audit log and playbook overrides', (kind) => {
  let h: StoreHarness<StoreKind>;

  beforeEach(async () => {
    h = await storeHarness(kind);
  });
  afterEach(() => h.close());

  it('appends audit entries, lists them newest first per workspace, and counts them by action', async () => {
    const first = await h.store.audit.add({
      workspaceId: 'slack:T1',
      actorId: 'U1',
      action: 'playbook.set',
      subject: 'keep-in-touch',
      before: '30',
      after: '40',
      now: NOW,
    });
    expect(first).toEqual({
      id: expect.any(Number),
      workspaceId: 'slack:T1',
      actorId: 'U1',
      action: 'playbook.set',
      subject: 'keep-in-touch',
      before: '30',
      after: '40',
      createdAt: NOW,
    });
    const second = await h.store.audit.add({
      workspaceId: 'slack:T1',
      actorId: 'U1',
      action: 'admin.add',
      subject: null,
      before: null,
      after: null,
      now: after(DAY),
    });
    await h.store.audit.add({ ...second, workspaceId: 'slack:T2', action: 'playbook.set', now: NOW });

    expect((await h.store.audit.list('slack:T1', 10)).map((e) => e.id)).toEqual([second.id, first.id]);
    expect(await h.store.audit.list('slack:T1', 1)).toEqual([second]);
    expect(await h.store.audit.count('slack:T1', 'playbook.set')).toBe(1);
    expect(await h.store.audit.count('slack:T1', 'member.forgotten')).toBe(0);
  });

  it('sets, replaces and clears a workspace’s overrides, JSON values kept as they were', async () => {
    await h.store.playbookOverrides.set('slack:T1', 'keep-in-touch', 'trigger.days', 40, 'U1', NOW);
    await h.store.playbookOverrides.set('slack:T1', 'keep-in-touch', 'off', true, 'U1', NOW);
    await h.store.playbookOverrides.set(
      'slack:T1',
      '',
      'budget.dailyCap',
      { max: 3, list: ['a'] },
      'U1',
      NOW,
    );
    await h.store.playbookOverrides.set('slack:T2', 'keep-in-touch', 'off', true, 'U9', NOW);
    await h.store.playbookOverrides.set('slack:T1', 'keep-in-touch', 'trigger.days', 45, 'U2', after(DAY));

    expect(await h.store.playbookOverrides.list('slack:T1')).toEqual([
      {
        ruleId: '',
        field: 'budget.dailyCap',
        value: { max: 3, list: ['a'] },
        updatedBy: 'U1',
        updatedAt: NOW,
      },
      { ruleId: 'keep-in-touch', field: 'off', value: true, updatedBy: 'U1', updatedAt: NOW },
      { ruleId: 'keep-in-touch', field: 'trigger.days', value: 45, updatedBy: 'U2', updatedAt: after(DAY) },
    ]);

    expect(await h.store.playbookOverrides.clear('slack:T1', 'keep-in-touch', 'off')).toBe(1);
    expect(await h.store.playbookOverrides.clear('slack:T1', 'keep-in-touch')).toBe(1);
    expect(await h.store.playbookOverrides.list('slack:T1')).toHaveLength(1);
    expect(await h.store.playbookOverrides.clear('slack:T1')).toBe(1);
    expect(await h.store.playbookOverrides.list('slack:T1')).toEqual([]);
    expect(await h.store.playbookOverrides.list('slack:T2')).toHaveLength(1);
  });

  it('keeps one override when two admins set the same field at once', async () => {
    await Promise.all(
      [10, 20, 30].map((days) =>
        h.store.playbookOverrides.set('slack:T1', 'keep-in-touch', 'trigger.days', days, 'U1', NOW),
      ),
    );
    const overrides = await h.store.playbookOverrides.list('slack:T1');
    expect(overrides).toHaveLength(1);
    expect([10, 20, 30]).toContain(overrides[0]!.value);
  });
});
