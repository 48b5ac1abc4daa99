/**
 * What the owner commands and the "Add a co-owner" form read: a member reference (a Slack or Teams mention,
 * a member id), a role (one of `OWNER_ROLES`, an alias, or a free word written `other:WORD`), and the form.
 */
import { suggest } from '../commands/grammar';
import type { Form, FormOption } from '../messages';
import type { OwnerRole, Partner } from '../model';
import { OWNER_ROLES } from '../model';
import { roleLabel } from '../owner-views';
import { truncate } from '../views';

export const ADD_OWNER_FORM_ID = 'add-owner';
/** The form's choice for a role of one's own, written in its text field. */
export const OTHER_ROLE = 'other';

/** Words that name a role, besides the roles themselves. */
const ROLE_ALIASES: Record<string, OwnerRole> = {
  alliance: 'alliance-manager',
  'alliance-management': 'alliance-manager',
  partnerships: 'alliance-manager',
  sponsor: 'executive-sponsor',
  executive: 'executive-sponsor',
  exec: 'executive-sponsor',
  'exec-sponsor': 'executive-sponsor',
  procurement: 'purchasing',
};

const ROLE_HINT = `${OWNER_ROLES.join(', ')} — or a word of your own as other:WORD (e.g. other:finance)`;

export type RoleRead = { ok: true; role: string } | { ok: false; problem: string };

/**
 * A role from what was typed: one of `OWNER_ROLES` (or an alias, any case, words joined by spaces or
 * dashes), or a free word written `other:WORD`. Anything else is refused, with the closest roles.
 */
export function readRole(text: string): RoleRead {
  const key = text.trim().toLowerCase().replace(/\s+/g, '-');
  if (!key) return { ok: false, problem: `Which role? One of: ${ROLE_HINT}.` };
  if ((OWNER_ROLES as readonly string[]).includes(key)) return { ok: true, role: key };
  if (ROLE_ALIASES[key]) return { ok: true, role: ROLE_ALIASES[key] };
  const own = /^other[:-]+([a-z][a-z0-9-]{0,29})$/.exec(key);
  if (own) return readRole(own[1]!).ok ? readRole(own[1]!) : { ok: true, role: own[1]! };
  const close = suggest(key, [...OWNER_ROLES], 2);
  const hint = close.length ? ` Did you mean ${close.map((r) => `\`${r}\``).join(' or ')}?` : '';
  return {
    ok: false,
    problem: `“${truncate(text.trim(), 30)}” is not a role I know.${hint} Roles: ${ROLE_HINT}.`,
  };
}

/**
 * The member a word refers to: a Slack mention (`<@U123>`, `<@U123|aiko>`), a Teams mention the Teams
 * channel turned into the same form, or a member id with or without `@` (the terminal). Null when the
 * word cannot be a member reference at all.
 */
export function readMemberRef(word: string): string | null {
  const mention = /^<@([A-Za-z0-9._:-]{1,128})(?:\|[^>]{0,100})?>$/.exec(word);
  if (mention) return mention[1]!;
  const plain = /^@?([A-Za-z0-9._:-]{1,128})$/.exec(word);
  return plain ? plain[1]! : null;
}

/** The "Add a co-owner" form for one partner; `people` are suggested first where the picker can. */
export function addOwnerForm(partner: Pick<Partner, 'id' | 'name'>, people: FormOption[] = []): Form {
  return {
    id: ADD_OWNER_FORM_ID,
    title: 'Add a co-owner',
    submitLabel: 'Add',
    fields: [
      {
        id: 'member',
        label: `Who should co-own ${truncate(partner.name, 60)}?`,
        type: 'member',
        ...(people.length ? { options: people } : {}),
      },
      {
        id: 'role',
        label: 'Their role',
        type: 'select',
        options: [
          ...OWNER_ROLES.map((role) => ({ value: role, label: capitalise(roleLabel(role)) })),
          { value: OTHER_ROLE, label: 'Other (write it below)' },
        ],
      },
      {
        id: 'otherRole',
        label: 'Other role',
        type: 'text',
        optional: true,
        maxLength: 30,
        placeholder: 'e.g. finance',
      },
    ],
    context: { partner: String(partner.id) },
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
