/**
 * A member's own settings: time zone, working hours and days, whose public holidays are days off, the
 * digest, and pausing nudges.
 */
import { countryCode, countryName } from '../countries';
import { holidayCalendar } from '../holidays';
import type { Message } from '../messages';
import {
  formatClock,
  formatLocal,
  hasWorkingTime,
  isValidTimeZone,
  parseClock,
  parseDuration,
  parseWeekdays,
} from '../time';
import { prefsMessage, truncate, usageError } from '../views';
import type { CommandContext, CommandTable, FeatureDeps } from './context';

const DAY_MS = 86_400_000;
const MAX_PAUSE_DAYS = 180;

export class PrefsFeature {
  readonly commands: CommandTable = {
    prefs: (ctx, args) => this.prefs(ctx, args),
    pause: (ctx, args) => this.pause(ctx, args),
  };

  constructor(private readonly deps: FeatureDeps) {}

  private async pause(ctx: CommandContext, args: string[]): Promise<Message> {
    const { members } = this.deps.store;
    const word = args[0]?.toLowerCase();
    if (!word || args.length > 1) return usageError('Give a duration, or `off`.', 'pause');
    if (word === 'off') {
      await members.setPausedUntil(ctx.actor.workspaceId, ctx.actor.memberId, null);
      return { text: 'Welcome back — nudges are on again.' };
    }
    const durationMs = parseDuration(word);
    if (durationMs === null)
      return usageError(`“${truncate(word, 20)}” is not a duration. Use e.g. 3d or 2w.`, 'pause');
    if (durationMs > MAX_PAUSE_DAYS * DAY_MS)
      return usageError(`You can pause for ${MAX_PAUSE_DAYS} days at most.`, 'pause');
    const until = new Date(ctx.now.getTime() + durationMs);
    await members.setPausedUntil(ctx.actor.workspaceId, ctx.actor.memberId, until);
    return {
      text: `Paused until ${formatLocal(until, ctx.member.timeZone)}. Nudges that fall due meanwhile wait for your return.`,
    };
  }

  private async prefs(ctx: CommandContext, args: string[]): Promise<Message> {
    if (args.length === 0) return prefsMessage(ctx.member, ctx.now);
    const [setting, ...values] = args;
    const value = values.join(' ').trim();
    switch (setting!.toLowerCase()) {
      case 'tz':
      case 'timezone':
        return this.timeZone(ctx, value);
      case 'hours':
        return this.hours(ctx, value);
      case 'days':
        return this.days(ctx, value);
      case 'digest':
        return this.digest(ctx, value);
      case 'country':
      case 'holidays':
        return this.holidayCountry(ctx, value);
      default:
        return usageError(`I don't know the setting “${truncate(setting!, 20)}”.`, 'prefs');
    }
  }

  private async timeZone(ctx: CommandContext, value: string): Promise<Message> {
    const { workspaceId, memberId } = ctx.actor;
    const { members } = this.deps.store;
    if (value.toLowerCase() === 'auto') {
      await members.followPlatformTimeZone(workspaceId, memberId);
      const member = (await members.get(workspaceId, memberId)) ?? ctx.member;
      return {
        ...prefsMessage(member, ctx.now),
        text: 'Your time zone will follow your Slack or Teams profile again from your next message.',
      };
    }
    if (!value || !isValidTimeZone(value)) {
      return usageError(
        `“${truncate(value, 64)}” is not a time zone I know. Use an IANA name such as Europe/Paris or Asia/Tokyo.`,
        'prefs',
      );
    }
    return prefsMessage(await members.updatePrefs(workspaceId, memberId, { timeZone: value }), ctx.now);
  }

  private async hours(ctx: CommandContext, value: string): Promise<Message> {
    const [from, to] = value.split('-');
    const start = from ? parseClock(from) : null;
    const end = to ? parseClock(to) : null;
    if (start === null || end === null)
      return usageError(`“${truncate(value, 20)}” is not a range of hours. Use e.g. 09:00-17:00.`, 'prefs');
    if (start >= end) {
      return usageError(
        `Working hours must start before they end (${formatClock(start)} is not before ${formatClock(end)}).`,
        'prefs',
      );
    }
    const member = await this.deps.store.members.updatePrefs(ctx.actor.workspaceId, ctx.actor.memberId, {
      workStart: start,
      workEnd: end,
    });
    return prefsMessage(member, ctx.now);
  }

  private async days(ctx: CommandContext, value: string): Promise<Message> {
    const days = parseWeekdays(value);
    if (!days || !hasWorkingTime({ ...ctx.member, workingDays: days })) {
      return usageError(
        `“${truncate(value, 30)}” are not days I can read. Use e.g. mon-fri, sun-thu or mon,wed,fri.`,
        'prefs',
      );
    }
    const member = await this.deps.store.members.updatePrefs(ctx.actor.workspaceId, ctx.actor.memberId, {
      workingDays: days,
    });
    return prefsMessage(member, ctx.now);
  }

  /** Whose public holidays are the member's days off: a country (or region), or `auto` for their zone's. */
  private async holidayCountry(ctx: CommandContext, value: string): Promise<Message> {
    const auto = value.toLowerCase() === 'auto';
    const calendar = auto ? null : holidayCalendar(value);
    const known = countryCode(value.split('-')[0] ?? '');
    if (!auto && !calendar && known && !value.includes('-'))
      return usageError(
        `I have no list of public holidays for ${countryName(known)}. Choose another country, or \`auto\`.`,
        'prefs',
      );
    if (!auto && !calendar)
      return usageError(
        `I don't know the country code '${truncate(value, 20)}' — use a two-letter ISO code such as JP, DE, US ` +
          '(or a region such as GB-SCT), or `auto` for the country of your time zone.',
        'prefs',
      );
    const member = await this.deps.store.members.updatePrefs(ctx.actor.workspaceId, ctx.actor.memberId, {
      holidayCountry: calendar,
    });
    return prefsMessage(member, ctx.now);
  }

  private async digest(ctx: CommandContext, value: string): Promise<Message> {
    const on = value.toLowerCase();
    if (on !== 'on' && on !== 'off')
      return usageError('Use `prefs digest on` or `prefs digest off`.', 'prefs');
    await this.deps.store.members.setDigest(ctx.actor.workspaceId, ctx.actor.memberId, on === 'on');
    return prefsMessage({ ...ctx.member, digest: on === 'on' }, ctx.now);
  }
}
