/**
 * Reading a command's arguments, shared by every feature: partner names (quoted or not), calendar days,
 * stages, kinds. Answers are values or friendly usage errors, never exceptions.
 */
import type { ExportFormat } from '../export';
import { EXPORT_FORMATS } from '../export';
import type { Message } from '../messages';
import type { InteractionKind, Partner, Stage } from '../model';
import { INTERACTION_KINDS, STAGES } from '../model';
import type { CommandContext } from '../features/context';
import type { PartnerRepository } from '../ports';
import { unknownPartner } from '../views';
import { LIMITS, suggest } from './grammar';

export type Resolved = { ok: true; partner: Partner; rest: string[] } | { ok: false; reply: Message };

/** How many leading words may make up an unquoted partner name. */
const MAX_NAME_WORDS = 6;

/**
 * Finds the partner a command names: a quoted name, or the longest run of leading words that is a
 * known name (so `log Renault Group visit` works without quotes). One store call for every candidate.
 */
export async function resolvePartner(
  partners: PartnerRepository,
  ctx: Pick<CommandContext, 'actor' | 'firstArgQuoted'>,
  args: string[],
  commandName: string | undefined,
): Promise<Resolved> {
  const { workspaceId } = ctx.actor;
  const candidates: { name: string; words: number }[] = [];
  for (let words = ctx.firstArgQuoted ? 1 : Math.min(args.length, MAX_NAME_WORDS); words >= 1; words--) {
    const name = args.slice(0, words).join(' ');
    if (name.length <= LIMITS.partnerName) candidates.push({ name, words });
  }
  const names = candidates.map((candidate) => candidate.name);
  const found = names.length ? await partners.findFirstNamed(workspaceId, names) : null;
  if (found) return { ok: true, partner: found.partner, rest: args.slice(candidates[found.index]!.words) };
  const known = (await partners.list(workspaceId)).map((p) => p.name);
  return { ok: false, reply: unknownPartner(args[0]!, suggest(args[0]!, known), commandName) };
}

export function isStage(word: string): word is Stage {
  return (STAGES as readonly string[]).includes(word);
}

export function isExportFormat(word: string): word is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(word);
}

export function isKind(word: string): word is InteractionKind {
  return (INTERACTION_KINDS as readonly string[]).includes(word);
}

/** Why a new partner name cannot be used, or null. */
export function checkPartnerName(name: string): string | null {
  if (!name) return 'The partner needs a name.';
  if (name.length > LIMITS.partnerName)
    return `That name is ${name.length} characters long; the limit is ${LIMITS.partnerName}.`;
  if (/\p{Cc}/u.test(name)) return 'A partner name cannot contain control characters.';
  return null;
}
