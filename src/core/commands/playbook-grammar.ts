/** Usage of the workspace playbook, admin and privacy commands (listed by `help` after the others). */
import type { CommandSpec } from './grammar';

export const PLAYBOOK_AND_PRIVACY_COMMANDS: CommandSpec[] = [
  {
    name: 'playbook',
    usage:
      'playbook [set RULE every|first|after DAYS | on RULE | off RULE | reset [RULE] | text RULE "WORDING" | budget daily N | budget partner-interval DAYS]',
    summary:
      "This workspace's playbook: every rule with its cadence, on or off, and its wording. Admins change it: " +
      'DAYS like 45d or 6w; `{partner}` in a wording stands for the partner. Changes apply from the next scheduler pass.',
    examples: [
      'playbook',
      'playbook set keep-in-touch every 45d',
      'playbook off cultural-observation',
      'playbook text keep-in-touch "Time to call {partner}?"',
      'playbook budget daily 2',
    ],
  },
  {
    name: 'admins',
    usage: 'admins',
    summary: "Who may change this workspace's playbook.",
    examples: ['admins'],
  },
  {
    name: 'admin',
    usage: 'admin add|remove @MEMBER',
    summary:
      'Make a member an admin of the playbook, or take it back (admins only). Slack workspace admins and owners, ' +
      'and Teams members named in TEAMS_ADMINS, are admins already.',
    examples: ['admin add @grace', 'admin remove @grace'],
  },
  {
    name: 'audit',
    usage: 'audit',
    summary: 'Who changed the playbook or its admins, and when, newest first (admins only).',
    examples: ['audit'],
  },
  {
    name: 'export mine',
    usage: 'export mine',
    summary: 'Everything Rapport keeps about you in this workspace, as one JSON file.',
    examples: ['export mine'],
  },
  {
    name: 'forget',
    usage: 'forget me [confirm]',
    summary:
      'Delete what Rapport keeps about you here (asks first). What you logged about partners stays with the ' +
      "workspace, under the partner's other owner or an anonymous name.",
    examples: ['forget me', 'forget me confirm'],
  },
];
