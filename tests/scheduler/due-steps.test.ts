/** The runner of the scheduler's own steps: one failing item is set aside and never stops the others. */
import { DEFAULT_PLAYBOOK } from '../../src/core/playbook/playbook';
import { runDueSteps } from '../../src/scheduler/due-steps';
import { coreHarness } from '../support/core-harness';

const NOW = new Date('2026-11-27T10:00:00Z');

describe('the scheduler steps runner', () => {
  it('sets a failing item aside, logs it, runs the others and counts only what committed', async () => {
    const h = await coreHarness({ now: NOW });
    try {
      const due = [1, 2, 3].map((id) => ({ id, workspaceId: 'shell:local' }));
      const setAside: number[] = [];
      const counted: string[] = [];
      const created = await runDueSteps(
        h.store,
        DEFAULT_PLAYBOOK,
        h.logger,
        NOW,
        {
          what: 'test step',
          idField: 'itemId',
          // What is still due: everything not yet set aside (a done item would have a later step).
          listDue: async () => due.filter((item) => !setAside.includes(item.id)),
          step: async (_tx, item) => {
            if (item.id === 2) throw new Error('broken item');
            return [`rule-${item.id}`];
          },
          setAside: async (item) => {
            setAside.push(item.id);
          },
        },
        (nudge) => counted.push(nudge.ruleId),
      );
      expect(created).toBe(2);
      expect(counted).toEqual(['rule-1', 'rule-3']);
      expect(setAside).toEqual([2]);
    } finally {
      await h.close();
    }
  });
});
