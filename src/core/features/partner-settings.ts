/**
 * A partner's side of the calendar: `set NAME country JP`, `set NAME tz Asia/Tokyo` (also typed without
 * `set`: `partner Nissan country JP`). The country is an ISO 3166-1 alpha-2 code; a country with one time
 * zone gives the partner that zone, one with several leaves the zone to be set.
 */
import type { JournalChange } from '../ports';
import { journal } from './record-journal';
import { resolvePartner } from '../commands/arguments';
import { countryCode, countryName, countryTimeZones, soleTimeZone } from '../countries';
import { partnerPlaceLine } from '../calendar-views';
import { quoteName } from '../insight-views';
import type { Message } from '../messages';
import type { Partner } from '../model';
import type { PartnerPatch } from '../ports';
import { isValidTimeZone } from '../time';
import { truncate, usageError } from '../views';
import type { CommandContext, CommandTable, FeatureDeps } from './context';

const SETTINGS: Readonly<Record<string, 'country' | 'timeZone'>> = {
  country: 'country',
  tz: 'timeZone',
  timezone: 'timeZone',
  zone: 'timeZone',
};
const CLEAR_WORDS = ['none', '-'];

/** Where the setting's name is in `args` (the last word but one), or -1. */
function settingIndex(args: readonly string[]): number {
  const index = args.length - 2;
  return index >= 1 && Object.hasOwn(SETTINGS, args[index]!.toLowerCase()) ? index : -1;
}

/** The zone as the runtime spells it (`asia/tokyo` → `Asia/Tokyo`), or null when it is not one. */
function canonicalZone(text: string): string | null {
  if (!isValidTimeZone(text)) return null;
  const lower = text.toLowerCase();
  return Intl.supportedValuesOf('timeZone').find((zone) => zone.toLowerCase() === lower) ?? text;
}

export class PartnerSettingsFeature {
  readonly commands: CommandTable = {
    set: (ctx, args) => this.set(ctx, args),
  };

  constructor(private readonly deps: FeatureDeps) {}

  /** `NAME country JP` or `NAME tz ZONE`: a setting typed without the word `set`. */
  isSetting(tokens: readonly string[]): boolean {
    return settingIndex(tokens) >= 1;
  }

  async set(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0)
      return usageError('Which partner, and what should I set: their country or their time zone?', 'set');
    const at = settingIndex(args);
    if (at < 0)
      return usageError(
        'Say what to set after the name: `country` and a two-letter code, or `tz` and a time zone.',
        'set',
      );
    const setting = SETTINGS[args[at]!.toLowerCase()]!;
    const value = args[at + 1]!;
    const resolved = await resolvePartner(this.deps.store.partners, ctx, args.slice(0, at), 'set');
    if (!resolved.ok) return resolved.reply;
    const { partner } = resolved;
    if (resolved.rest.length)
      return usageError(`I could not read “${truncate(resolved.rest.join(' '), 60)}”.`, 'set');
    const patch = setting === 'country' ? this.countryPatch(partner, value) : this.zonePatch(value);
    if ('problem' in patch) return patch.problem;
    const updated = await this.deps.store.transaction(async (tx) => {
      const changed = await tx.partners.update(ctx.actor.workspaceId, partner.id, patch);
      const change: JournalChange = {
        action: 'place',
        before: { country: partner.country, timeZone: partner.timeZone },
        after: { country: changed.country, timeZone: changed.timeZone },
      };
      // Undoable like the other changes to a partner (`undo`, within the undo window).
      await journal(tx, ctx.actor, changed, change, [], ctx.now);
      return changed;
    });
    this.deps.logger.info(
      {
        workspaceId: updated.workspaceId,
        partnerId: updated.id,
        country: updated.country,
        timeZone: updated.timeZone,
      },
      'partner calendar set',
    );
    return settingMessage(updated, ctx.now);
  }

  private countryPatch(partner: Partner, value: string): PartnerPatch | { problem: Message } {
    if (CLEAR_WORDS.includes(value.toLowerCase())) return { country: null };
    const code = countryCode(value);
    if (!code)
      return {
        problem: usageError(
          `I don't know the country code '${truncate(value, 20)}' — use a two-letter ISO code such as JP, DE, US.`,
          'set',
        ),
      };
    return placeForCountry(partner, code);
  }

  private zonePatch(value: string): PartnerPatch | { problem: Message } {
    if (CLEAR_WORDS.includes(value.toLowerCase())) return { timeZone: null };
    const zone = canonicalZone(value);
    if (!zone)
      return {
        problem: usageError(
          `“${truncate(value, 64)}” is not a time zone I know. Use an IANA name such as Asia/Tokyo or America/New_York.`,
          'set',
        ),
      };
    return { timeZone: zone };
  }
}

/**
 * What setting a partner's country changes (for any writer of `country`, such as an import): the country,
 * and the zone — a zone of the new country stays; otherwise the country's only zone, or none until set.
 */
export function placeForCountry(partner: Pick<Partner, 'timeZone'>, code: string): PartnerPatch {
  const keep = partner.timeZone && countryTimeZones(code).includes(partner.timeZone);
  return { country: code, timeZone: keep ? partner.timeZone : soleTimeZone(code) };
}

/** The reply to a setting: where they are now, and the zone still to set when their country has several. */
export function settingMessage(partner: Partner, now: Date): Message {
  const place = partnerPlaceLine(partner, now);
  const zones = partner.country ? countryTimeZones(partner.country) : [];
  const footer =
    partner.country && !partner.timeZone && zones.length > 1
      ? `${countryName(partner.country)} has ${zones.length} time zones (${zones.slice(0, 3).join(', ')}…): ` +
        `set theirs with \`partner set ${quoteName(partner.name)} tz ZONE\`.`
      : 'I will name their public holidays and their time of day when I suggest a visit, call or workshop.';
  return {
    text: place ? `*${partner.name}*: ${place}.` : `*${partner.name}*: no country or time zone on record.`,
    footer,
  };
}
