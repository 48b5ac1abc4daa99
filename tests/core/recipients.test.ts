import { DEFAULT_PLAYBOOK, validatePlaybook } from '../../src/core/playbook/playbook';
import { recipientsOf } from '../../src/core/playbook/recipients';

const team = [
  { memberId: 'ada', role: 'alliance-manager', lead: false },
  { memberId: 'bo', role: 'sales', lead: true },
  { memberId: 'cy', role: 'it', lead: false },
  { memberId: 'di', role: 'it', lead: false },
];

describe('whom a rule nudges', () => {
  it.each([
    ['every owner by default', undefined, ['ada', 'bo', 'cy', 'di']],
    ['every owner', 'all' as const, ['ada', 'bo', 'cy', 'di']],
    ['the lead', 'lead' as const, ['bo']],
    ['the owners with a role', { role: 'it' }, ['cy', 'di']],
    ['the lead when nobody has the role', { role: 'legal' }, ['bo']],
  ])('%s', (_name, recipients, expected) => {
    expect(recipientsOf(recipients, team)).toEqual(expected);
  });

  it('takes the first owner as lead when none is marked', () => {
    expect(recipientsOf('lead', [{ memberId: 'ada', role: 'sales', lead: false }])).toEqual(['ada']);
  });

  it.each([
    ['a word it does not know', 'everyone'],
    ['a role that is not a word', { role: 'Sales Team' }],
    ['an object with something else', { role: 'it', only: true }],
  ])('refuses recipients given as %s', (_name, recipients) => {
    const rules = DEFAULT_PLAYBOOK.rules.map((rule, i) => (i === 0 ? { ...rule, recipients } : rule));
    expect(() => validatePlaybook({ ...DEFAULT_PLAYBOOK, rules })).toThrow(/recipients must be/);
  });

  it('accepts lead and a role, and refuses a rule id kept for a notice', () => {
    const rules = DEFAULT_PLAYBOOK.rules.map((rule, i) =>
      i === 0 ? { ...rule, recipients: 'lead' } : i === 1 ? { ...rule, recipients: { role: 'it' } } : rule,
    );
    expect(() => validatePlaybook({ ...DEFAULT_PLAYBOOK, rules })).not.toThrow();
    const reserved = DEFAULT_PLAYBOOK.rules.map((rule, i) =>
      i === 0 ? { ...rule, id: 'owner-added' } : rule,
    );
    expect(() => validatePlaybook({ ...DEFAULT_PLAYBOOK, rules: reserved })).toThrow(/reserved/);
  });

  it('sends internal alignment to every owner from the negotiating stage on', () => {
    const alignment = DEFAULT_PLAYBOOK.rules.find((rule) => rule.id === 'internal-alignment')!;
    expect(alignment.recipients).toBe('all');
    expect(alignment.stages).toEqual(['negotiating', 'signed']);
  });
});
