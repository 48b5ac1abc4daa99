/**
 * The lines a member types or pipes in. On a terminal: line editing and an in-memory history (arrow keys)
 * with Node's readline, and a line is run only once Enter is pressed. Piped input is read line by line,
 * and its last line runs even without a final newline.
 */
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** How many entered lines the arrow keys can bring back. */
const HISTORY_SIZE = 500;

export class LineReader {
  /** Whether input is a terminal (TTY), read with line editing. */
  readonly terminal: boolean;
  private readonly rl: Interface;
  private readonly queue: string[] = [];
  private wake: (() => void) | null = null;
  private closed = false;
  private inputEnded = false;

  constructor(
    input: Readable & { isTTY?: boolean },
    private readonly output: Writable,
  ) {
    this.terminal = input.isTTY === true;
    if (this.terminal) {
      // Registered before readline's own listener. When a terminal's input ends mid-line, readline hands
      // over the unfinished line as if Enter had been pressed; it was never entered, so it is dropped.
      input.once('end', () => (this.inputEnded = true));
    }
    this.rl = createInterface({
      input,
      output: this.terminal ? output : undefined,
      terminal: this.terminal,
      crlfDelay: Infinity,
      historySize: this.terminal ? HISTORY_SIZE : 0,
      removeHistoryDuplicates: true,
    });
    this.rl.on('line', (line) => {
      if (this.terminal && this.inputEnded) return;
      this.queue.push(line);
      this.notify();
    });
    this.rl.on('close', () => {
      this.closed = true;
      this.notify();
    });
    // Ctrl-C clears a line being typed; on an empty line it leaves, like Ctrl-D.
    this.rl.on('SIGINT', () => {
      if (!this.rl.line) {
        this.rl.close();
        return;
      }
      this.output.write('^C\n');
      this.rl.write(null, { ctrl: true, name: 'e' });
      this.rl.write(null, { ctrl: true, name: 'u' });
      this.rl.prompt();
    });
  }

  /** Every entered line, in order, until input ends or `close()`. */
  async *lines(): AsyncGenerator<string> {
    for (;;) {
      const line = this.queue.shift();
      if (line !== undefined) {
        yield line;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Shows the prompt (readline's on a terminal, so that it is redrawn after output; plain text otherwise). */
  prompt(text: string): void {
    if (this.terminal) {
      if (this.closed) return;
      this.rl.setPrompt(text);
      this.rl.prompt();
    } else if (text) {
      this.output.write(text);
    }
  }

  /** On a terminal: clears the prompt line so that output can be written in its place. */
  hidePrompt(): void {
    if (!this.terminal || this.closed) return;
    clearLine(this.output, 0);
    cursorTo(this.output, 0);
  }

  /** On a terminal: draws the prompt again with what was being typed, cursor where it was. */
  showPrompt(): void {
    if (this.terminal && !this.closed) this.rl.prompt(true);
  }

  /** Stops reading; lines not yet taken are dropped. */
  close(): void {
    this.queue.length = 0;
    this.rl.close();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
