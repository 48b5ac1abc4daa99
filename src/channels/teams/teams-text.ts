/**
 * Text as Teams delivers it, read the way the core reads what people type: HTML entities decoded, tags of
 * formatted messages dropped, @mentions turned into member references.
 */
import { TurnContext } from 'botbuilder';
import type { Activity, ChannelAccount } from 'botbuilder';
import { memberIdOf } from './teams-address';

/**
 * The typed command: the bot's @mention removed, every other @mention turned into the member reference the
 * core reads (`<@id>`, the id Rapport files that person under), HTML entities Teams adds decoded, whitespace
 * trimmed.
 */
export function commandText(activity: Partial<Activity>): string {
  const text = mentionsAsMembers(activity, activity.text ? TurnContext.removeRecipientMention(activity) : '');
  // Formatted messages can arrive wrapped in a few HTML tags.
  const plain = (text ?? '').replace(/<br\s*\/?>/gi, ' ').replace(/<\/?(p|div|span)(\s[^>]*)?>/gi, ' ');
  return decodeEntities(plain).replace(/\s+/g, ' ').trim();
}

/** Each mention of someone other than the bot (`<at>Aiko</at>` with its `mention` entity) as `<@id>`. */
function mentionsAsMembers(activity: Partial<Activity>, text: string | undefined): string {
  let out = text ?? '';
  for (const entity of activity.entities ?? []) {
    if (entity.type !== 'mention') continue;
    const mentioned = (entity as { mentioned?: Partial<ChannelAccount> }).mentioned;
    const said = (entity as { text?: unknown }).text;
    if (!mentioned || mentioned.id === activity.recipient?.id || typeof said !== 'string' || !said) continue;
    const memberId = memberIdOf(mentioned);
    if (memberId) out = out.split(said).join(` <@${memberId}> `);
  }
  return out;
}

/** HTML entities as characters: the named ones Teams uses, and numeric ones (decimal or hex). */
export function decodeEntities(text: string): string {
  const named: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,5});/gi, (entity, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return named[name.toLowerCase()] ?? entity;
  });
}
