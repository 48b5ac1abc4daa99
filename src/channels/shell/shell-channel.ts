/**
 * The terminal channel: one local workspace and member, chat over stdin/stdout. Choices are answered by
 * typing their key (see `menus.ts`), confirmations also by yes or no. On a terminal, lines can be edited
 * and recalled with the arrow keys; piped input (scripted sessions) works line by line. The session ends
 * at the end of input, on `quit`, or quietly when whoever reads the output stops (`| head -1`).
 */
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import { findCommand, stripCommandPrefix, tokenize } from '../../core/commands/grammar';
import { ChannelError, describeError } from '../../core/errors';
import { ADD_OWNER_FORM_ID } from '../../core/features/owners';
import { PLAN_FORM_ID } from '../../core/features/planned-events';
import { PROMISE_MOVE_FORM_ID } from '../../core/features/promises';
import type { Choice, Message } from '../../core/messages';
import type { Address } from '../../core/model';
import type { Channel, DeliveryReceipt, Logger } from '../../core/ports';
import type { Actor, Rapport } from '../../core/rapport';
import { formatDay, formatLocal, localDate, parseIsoDate } from '../../core/time';
import { commandHelp } from '../../core/views';
import type { TickReport } from '../../scheduler/nudge-scheduler';
import { writeMessageFiles } from './export-files';
import { LineReader } from './line-reader';
import type { Menu } from './menus';
import { choiceFor, confirmationRole, isAnswerKey, keyList, MenuBoard } from './menus';
import { plainTitle, renderInline, renderText } from './render-text';
import { findTerminalCommand, withTerminalCommands } from './terminal-commands';

export const SHELL_WORKSPACE = 'local';
export const SHELL_ADDRESS: Address = { channel: 'shell', payload: { session: 'local' } };

/** Output written while the member is typing is drawn above their line (set while a terminal waits). */
export interface PromptLine {
  hide(): void;
  show(): void;
}

/** Delivers nudges by printing them; keeps the menus a typed key answers. */
export class ShellChannel implements Channel {
  readonly platform = 'shell' as const;
  readonly menus = new MenuBoard();
  private delivered = 0;
  private closedBy: Error | null = null;
  private readonly closeListeners: ((error: Error) => void)[] = [];
  private promptLine: PromptLine | null = null;

  /** `exportDir`: where files that messages carry (exports) are written; default `./exports`. */
  constructor(
    readonly output: Writable,
    private readonly color = false,
    private readonly exportDir = resolve('exports'),
  ) {
    // A reader that stops early (`| head -1`) closes the pipe: writing stops and the session ends quietly.
    output.on('error', (error: Error) => this.lost(error));
  }

  async deliver(_address: Address, message: Message): Promise<DeliveryReceipt> {
    if (this.closedBy)
      throw new ChannelError('UNAVAILABLE', 'The terminal no longer reads its output.', {
        cause: this.closedBy,
      });
    const titled = message.title ? { ...message, title: `🔔 ${message.title}` } : message;
    this.show(titled);
    this.menus.delivered(titled);
    return { messageRef: { shellMessage: ++this.delivered } };
  }

  /** Prints a reply to the member; its choices (if any) become the menu a typed key answers. */
  print(message: Message): void {
    this.show(message);
    this.menus.replied(message);
  }

  /** Prints a menu again (title, text and choices), as the one the member has now seen. */
  showMenu(menu: Menu, lead: string): void {
    const { title, text } = menu.message;
    this.emit(
      `${this.inline(lead)}\n${renderText({ title, text, choices: [...menu.choices] }, this.options())}\n\n`,
    );
    this.menus.shown(menu);
  }

  /** Prints one line of the terminal's own (core markup allowed). */
  note(text: string): void {
    this.emit(`${this.inline(text)}\n\n`);
  }

  /** Set while a terminal waits for a line; output in between is drawn above it. */
  setPromptLine(line: PromptLine | null): void {
    this.promptLine = line;
  }

  /** Calls `listener` once the output can no longer be written (at once if that is already so). */
  onClosed(listener: (error: Error) => void): void {
    if (this.closedBy) listener(this.closedBy);
    else this.closeListeners.push(listener);
  }

  private show(message: Message): void {
    this.emit(`${renderText(message, this.options())}\n\n`);
    if (message.files?.length) {
      const paths = writeMessageFiles(this.exportDir, message.files);
      this.emit(`Saved ${paths.length} file(s):\n${paths.map((p) => `  ${p}`).join('\n')}\n\n`);
    }
  }

  private emit(text: string): void {
    if (this.closedBy) return;
    this.promptLine?.hide();
    this.output.write(text);
    this.promptLine?.show();
  }

  private lost(error: Error): void {
    if (this.closedBy) return;
    this.closedBy = error;
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }

  private options(): { color: boolean; bareCommands: boolean } {
    return { color: this.color, bareCommands: true };
  }

  private inline(text: string): string {
    return renderInline(text, this.options());
  }
}

/** What the session needs from the core. */
export type ShellCore = Pick<Rapport, 'identify' | 'member' | 'handleCommand' | 'handleChoice'>;

export interface ShellSessionOptions {
  rapport: ShellCore;
  channel: ShellChannel;
  input: Readable;
  /** The real clock (the composition root's). `tick DATE` moves the session's own clock away from it. */
  clock: () => Date;
  tick: (now: Date) => Promise<TickReport>;
  logger: Logger;
  memberName: string;
  prompt: boolean;
}

/** The interactive loop: reads lines, runs them, prints replies. Resolves at the end of input or `quit`. */
export class ShellSession {
  private actor: Actor | null = null;
  private timeZone = 'UTC';
  /**
   * The chat's clock is the real one plus this offset, in milliseconds; `tick DATE` sets it, so that from
   * then on commands, buttons and passes all see the simulated time, which runs on with the real clock.
   */
  private offsetMs = 0;
  private simulated = false;
  private reader: LineReader | null = null;

  constructor(private readonly options: ShellSessionOptions) {}

  /** The chat's time: the real clock, or the simulated one after `tick DATE`. */
  now(): Date {
    return new Date(this.options.clock().getTime() + this.offsetMs);
  }

  /** Tells the core who types here (again after `forget me`, which deletes the member: they start afresh). */
  private async identifySelf(): Promise<void> {
    const { rapport, memberName } = this.options;
    const identity = await rapport.identify(
      'shell',
      SHELL_WORKSPACE,
      // The terminal's member administers the terminal's workspace.
      { memberId: 'local', displayName: memberName, address: SHELL_ADDRESS, isAdmin: true },
      this.now(),
      'Terminal',
    );
    this.actor = identity.actor;
    this.timeZone = identity.member.timeZone;
  }

  async run(): Promise<void> {
    const { channel, input, logger } = this.options;
    await this.identifySelf();
    channel.note(
      'Rapport — relationship nudges for your partnerships. Type `help` for the commands, `quit` to leave.',
    );
    const reader = new LineReader(input, channel.output);
    this.reader = reader;
    channel.onClosed((error) => {
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE')
        logger.warn({ err: describeError(error) }, 'terminal output failed; ending the session');
      reader.close();
    });
    this.prompt();
    for await (const line of reader.lines()) {
      channel.setPromptLine(null);
      const text = line.trim();
      if (isQuit(commandWords(text))) break;
      if (text) {
        try {
          await this.handle(text);
        } catch (error) {
          // A failure here must never end the session; the member sees a short apology, the log has the detail.
          logger.error({ err: describeError(error) }, 'shell command failed');
          channel.note('Sorry, something went wrong on my side. Your input was not lost; please try again.');
        }
      }
      this.prompt();
    }
    channel.setPromptLine(null);
    reader.close();
  }

  private prompt(): void {
    const reader = this.reader!;
    const day = this.simulated ? `[${formatDay(localDate(this.now(), this.timeZone))}] ` : '';
    reader.prompt(this.options.prompt ? `${day}> ` : '');
    if (reader.terminal)
      this.options.channel.setPromptLine({
        hide: () => reader.hidePrompt(),
        show: () => reader.showPrompt(),
      });
  }

  private async handle(text: string): Promise<void> {
    const { rapport, channel } = this.options;
    // After `forget me` the member is gone: whatever they type next, they start afresh.
    if (!(await rapport.member(this.actor!).then(Boolean, () => false))) await this.identifySelf();
    const role = confirmationRole(text);
    if (role && (await this.confirm(role))) return;
    if (isAnswerKey(text)) {
      await this.answer(text);
      return;
    }
    // Another command: a confirmation still open is dropped, never answered by a later key.
    channel.menus.dropReply();
    const words = commandWords(text);
    const command = words[0]?.toLowerCase();
    if (command === 'tick') {
      await this.tick(words.slice(1).join(' '));
      return;
    }
    if (command === 'help') {
      await this.help(text, words[1]);
      return;
    }
    const result = await rapport.handleCommand(this.actor!, text, this.now());
    channel.print(result.reply);
    await this.refreshTimeZone();
  }

  /** `help` adds the terminal's own commands; `help tick` and `help quit` are answered here. */
  private async help(text: string, topic: string | undefined): Promise<void> {
    const { rapport, channel } = this.options;
    const terminal = topic ? findTerminalCommand(topic) : undefined;
    if (terminal) {
      channel.print(commandHelp(terminal));
      return;
    }
    const { reply } = await rapport.handleCommand(this.actor!, text, this.now());
    channel.print(topic && findCommand(topic.toLowerCase()) ? reply : withTerminalCommands(reply));
  }

  /** A typed yes or no, when the open confirmation takes it. */
  private async confirm(role: 'confirm' | 'cancel'): Promise<boolean> {
    const menu = this.options.channel.menus.confirmation();
    const choice = menu?.choices.find((c) => c.role === role);
    if (!menu || !choice) return false;
    await this.choose(menu, choice);
    return true;
  }

  /** A typed key: it answers the menu the member last saw, and only that one. */
  private async answer(key: string): Promise<void> {
    const { channel } = this.options;
    const target = channel.menus.target();
    if (!target) {
      channel.note('There is nothing to answer right now. Type `help` for the commands.');
      return;
    }
    const { menu, seen } = target;
    if (!seen) {
      channel.showMenu(
        menu,
        `“${key}” would answer this — nothing is answered until you type your choice again:`,
      );
      return;
    }
    const choice = choiceFor(menu, key);
    if (!choice) {
      channel.note(`Choose ${keyList(menu.keys)} for “${plainTitle(menu.message)}”.`);
      return;
    }
    await this.choose(menu, choice);
  }

  private async choose(menu: Menu, choice: Choice): Promise<void> {
    const { rapport, channel } = this.options;
    channel.menus.answered(menu);
    const result = await rapport.handleChoice(this.actor!, choice.id, this.now());
    channel.print(result.reply);
    if (result.openForm) {
      // The command that does what the form does: `plan` for the plan form, `log` for the log form.
      const formCommand: Record<string, string> = {
        [PLAN_FORM_ID]: 'plan',
        [PROMISE_MOVE_FORM_ID]: 'promise-moved',
        [ADD_OWNER_FORM_ID]: 'owners',
      };
      const usage = findCommand(formCommand[result.openForm.id] ?? 'log')?.usage;
      channel.note(
        `(Forms open in Slack and Teams; here, type the command instead${usage ? `: \`${usage}\`` : ''}.)`,
      );
    }
    const next = channel.menus.target();
    if (next && !next.seen) channel.showMenu(next.menu, 'Still waiting for an answer:');
  }

  /**
   * `tick` runs a scheduler pass at the chat's time; `tick DATE` (10:00 that day in your zone, or an
   * ISO-8601 instant) moves the chat's clock there first; `tick now` goes back to the real clock.
   */
  private async tick(argument: string): Promise<void> {
    const { channel, clock } = this.options;
    const text = argument.trim();
    const back = text.toLowerCase() === 'now';
    if (back) {
      this.offsetMs = 0;
      this.simulated = false;
    } else if (text) {
      const parsed = parseTickTime(text, this.timeZone);
      if (!parsed) {
        channel.note(
          `“${text}” is not a date. Use \`tick\`, \`tick 2026-12-01\`, \`tick 2026-12-01T10:00:00Z\` or \`tick now\`.`,
        );
        return;
      }
      this.offsetMs = parsed.getTime() - clock().getTime();
      this.simulated = true;
    }
    const at = this.now();
    const report = await this.options.tick(at);
    const lines = [
      `Scheduler pass as of ${formatLocal(at, this.timeZone)}: ${report.delivered} nudge(s) delivered.`,
    ];
    if (report.held.length) {
      const first = report.held.reduce((a, b) => (a.until < b.until ? a : b));
      lines.push(
        `${report.held.length} held for your working hours (next: ${formatLocal(first.until, this.timeZone)}).`,
      );
    }
    if (report.failed) lines.push(`${report.failed} could not be delivered.`);
    if (report.digests) lines.push(`${report.digests} weekly digest(s) sent.`);
    if (this.simulated)
      lines.push(
        `This chat's clock now reads ${clockText(at, this.timeZone)} and runs on from there; \`tick now\` goes back to the real clock.`,
      );
    else if (back) lines.push(`Back on the real clock: ${clockText(at, this.timeZone)}.`);
    channel.note(lines.join('\n'));
  }

  private async refreshTimeZone(): Promise<void> {
    const member = await this.options.rapport.member(this.actor!);
    this.timeZone = member.timeZone;
  }
}

/** A line's words without the optional `partner` prefix (none when it cannot be read; the core says why). */
function commandWords(text: string): string[] {
  const tokenized = tokenize(text);
  return tokenized.ok ? stripCommandPrefix(tokenized.tokens) : [];
}

function isQuit(words: string[]): boolean {
  return words.length === 1 && /^(quit|exit)$/i.test(words[0]!);
}

/** `Mon 14 Dec 2026, 10:00` in the member's zone. */
function clockText(at: Date, timeZone: string): string {
  return format(new TZDate(at.getTime(), timeZone), 'EEE d MMM yyyy, HH:mm');
}

/** A day (as 10:00 in the member's zone, inside default working hours) or a full ISO-8601 instant. */
export function parseTickTime(text: string, timeZone: string): Date | null {
  const day = parseIsoDate(text.trim());
  if (day) {
    const [y, m, d] = day.split('-').map(Number) as [number, number, number];
    return new Date(new TZDate(y, m - 1, d, 10, 0, timeZone).getTime());
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text.trim())) return null;
  const at = new Date(text.trim());
  return Number.isNaN(at.getTime()) ? null : at;
}
