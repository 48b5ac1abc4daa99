/**
 * The terminal channel: one local workspace and member, chat over stdin/stdout. Choices are numbered
 * and answered by typing the number. Works with piped input (scripted sessions) and ends cleanly at the
 * end of input.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { describeError } from '../../core/errors';
import type { Choice, Message } from '../../core/messages';
import type { Address } from '../../core/model';
import type { Channel, DeliveryReceipt, Logger } from '../../core/ports';
import type { Actor, Rapport } from '../../core/rapport';
import { formatLocal, parseIsoDate } from '../../core/time';
import { TZDate } from '@date-fns/tz';
import type { TickReport } from '../../scheduler/nudge-scheduler';
import { writeMessageFiles } from './export-files';

export const SHELL_WORKSPACE = 'local';
export const SHELL_ADDRESS: Address = { channel: 'shell', payload: { session: 'local' } };

/** Renders a message as plain text; `*bold*` becomes ANSI bold on a terminal and plain text otherwise. */
export function renderText(
  message: Message,
  options: { color: boolean; firstNumber?: number } = { color: false },
): string {
  const bold = (text: string): string => (options.color ? `\x1b[1m${text}\x1b[22m` : text);
  const inline = (text: string): string =>
    text.replace(/\*([^*\n]+)\*/g, (_, inner: string) => bold(inner)).replace(/`([^`\n]+)`/g, '$1');
  const lines: string[] = [];
  if (message.title) lines.push(bold(inline(message.title)));
  if (message.text) lines.push(inline(message.text));
  if (message.facts?.length) {
    const width = Math.max(...message.facts.map((fact) => fact.label.length));
    for (const fact of message.facts) lines.push(`  ${fact.label.padEnd(width)}  ${inline(fact.value)}`);
  }
  for (const section of message.sections ?? []) {
    if (section.title) lines.push('', bold(section.title));
    for (const line of section.lines) lines.push(`  ${inline(line)}`);
  }
  if (message.choices?.length) {
    const first = options.firstNumber ?? 1;
    lines.push('', message.choices.map((choice, i) => `  ${first + i}) ${choice.label}`).join('\n'));
    lines.push('Answer with a number.');
  }
  if (message.footer) lines.push(inline(message.footer));
  return lines.join('\n');
}

/** Delivers nudges by printing them; remembers their choices so a typed number can answer them. */
export class ShellChannel implements Channel {
  readonly platform = 'shell' as const;
  private readonly menus: { title: string; choices: Choice[] }[] = [];
  private delivered = 0;

  /** `exportDir`: where files that messages carry (exports) are written; default `./exports`. */
  constructor(
    private readonly output: Writable,
    private readonly color = false,
    private readonly exportDir = resolve('exports'),
  ) {}

  async deliver(_address: Address, message: Message): Promise<DeliveryReceipt> {
    this.print(message, '🔔 ');
    return { messageRef: { shellMessage: ++this.delivered } };
  }

  /** Prints a message; if it has choices, they become the current menu; if it has files, they are saved. */
  print(message: Message, prefix = ''): void {
    const titled = prefix && message.title ? { ...message, title: `${prefix}${message.title}` } : message;
    this.output.write(`${renderText(titled, { color: this.color })}\n\n`);
    if (message.files?.length) {
      const paths = writeMessageFiles(this.exportDir, message.files);
      this.output.write(`Saved ${paths.length} file(s):\n${paths.map((p) => `  ${p}`).join('\n')}\n\n`);
    }
    if (message.choices?.length)
      this.menus.push({ title: message.title ?? message.text.slice(0, 60), choices: message.choices });
  }

  /** The menu a typed number answers: the most recent one still open. */
  currentMenu(): { title: string; choices: Choice[] } | undefined {
    return this.menus[this.menus.length - 1];
  }

  closeCurrentMenu(): void {
    this.menus.pop();
  }

  write(text: string): void {
    this.output.write(`${text}\n\n`);
  }

  prompt(): void {
    this.output.write('> ');
  }
}

export interface ShellSessionOptions {
  rapport: Rapport;
  channel: ShellChannel;
  input: Readable;
  /** The clock (the composition root's); `tick DATE` runs the scheduler as of DATE instead. */
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

  constructor(private readonly options: ShellSessionOptions) {}

  async run(): Promise<void> {
    const { rapport, channel, input, clock, memberName } = this.options;
    const identity = await rapport.identify(
      'shell',
      SHELL_WORKSPACE,
      { memberId: 'local', displayName: memberName, address: SHELL_ADDRESS },
      clock(),
      'Terminal',
    );
    this.actor = identity.actor;
    this.timeZone = identity.member.timeZone;
    channel.write(
      'Rapport — relationship nudges for your partnerships. Type `help` for the commands, `quit` to leave.'.replace(
        /`/g,
        '',
      ),
    );
    const lines = createInterface({ input, terminal: false, crlfDelay: Infinity });
    const prompt = (): void => {
      if (this.options.prompt) channel.prompt();
    };
    prompt();
    for await (const line of lines) {
      const text = line.trim();
      if (text === 'quit' || text === 'exit') break;
      if (text) {
        try {
          await this.handle(text);
        } catch (error) {
          // A failure here must never end the session; the member sees a short apology, the log has the detail.
          this.options.logger.error({ err: describeError(error) }, 'shell command failed');
          channel.write('Sorry, something went wrong on my side. Your input was not lost; please try again.');
        }
      }
      prompt();
    }
    lines.close();
  }

  private async handle(text: string): Promise<void> {
    const { rapport, channel, clock } = this.options;
    const actor = this.actor!;
    if (/^\d{1,2}$/.test(text)) {
      await this.answer(Number(text));
      return;
    }
    const [word, ...rest] = text.split(/\s+/);
    if (word!.toLowerCase() === 'tick') {
      await this.tick(rest.join(' '));
      return;
    }
    const result = await rapport.handleCommand(actor, text, clock());
    channel.print(result.reply);
    const member = await rapport.member(actor);
    this.timeZone = member.timeZone;
  }

  private async answer(number: number): Promise<void> {
    const { rapport, channel, clock } = this.options;
    const menu = channel.currentMenu();
    if (!menu) {
      channel.write('There is nothing to answer right now. Type `help` for the commands.'.replace(/`/g, ''));
      return;
    }
    const choice = menu.choices[number - 1];
    if (!choice) {
      channel.write(`Choose a number from 1 to ${menu.choices.length} for “${menu.title}”.`);
      return;
    }
    channel.closeCurrentMenu();
    const result = await rapport.handleChoice(this.actor!, choice.id, clock());
    channel.print(result.reply);
    if (result.openForm) {
      channel.write('(Forms open in Slack and Teams; here, type the command shown above.)');
    }
    const next = channel.currentMenu();
    if (next) channel.write(`Still waiting for an answer: ${next.title}`);
  }

  /** `tick` runs a scheduler pass now; `tick 2026-12-01` as of 10:00 that day in your zone; `tick ISO-8601` as of then. */
  private async tick(argument: string): Promise<void> {
    const { channel, clock } = this.options;
    let at = clock();
    if (argument) {
      const parsed = parseTickTime(argument, this.timeZone);
      if (!parsed) {
        channel.write(`“${argument}” is not a date. Use tick, tick 2026-12-01 or tick 2026-12-01T10:00:00Z.`);
        return;
      }
      at = parsed;
    }
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
    channel.write(lines.join('\n'));
  }
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
