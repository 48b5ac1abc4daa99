/**
 * Core messages as plain text, for the terminal and the command line. The core's markup is a small
 * subset: `*bold*` and code spans (commands to type). A code span is shown exactly as written, so a
 * suggested command can be typed back; `*bold*` becomes ANSI bold on a terminal and plain text otherwise.
 */
import type { Choice, Message } from '../../core/messages';
import { answerHint, choiceKeys, menuChoices } from './menus';

export interface RenderOptions {
  /** ANSI bold (an interactive terminal) rather than plain text. */
  color: boolean;
  /**
   * Show suggested commands as the terminal takes them: the core writes `partner log …` (Slack's
   * `/partner`); the terminal needs no prefix, so `log …` is shown.
   */
  bareCommands?: boolean;
}

/** Renders a whole message: title, text, facts, sections, choices with what to type for each, footer. */
export function renderText(message: Message, options: RenderOptions = { color: false }): string {
  const bold = (text: string): string => (options.color ? `\x1b[1m${text}\x1b[22m` : text);
  const inline = (text: string): string => renderInline(text, options);
  const lines: string[] = [];
  if (message.title) lines.push(bold(inline(message.title)));
  if (message.text) lines.push(inline(message.text));
  if (message.facts?.length) {
    const width = Math.max(...message.facts.map((fact) => fact.label.length));
    for (const fact of message.facts) lines.push(`  ${fact.label.padEnd(width)}  ${inline(fact.value)}`);
  }
  const choices = menuChoices(message);
  const keys = choiceKeys(choices);
  let shown = 0;
  const choiceLines = (list: readonly Choice[]): string =>
    list.map((choice) => `  ${keys[shown++]}) ${choice.label}`).join('\n');
  for (const section of message.sections ?? []) {
    if (section.title) lines.push('', bold(section.title));
    for (const line of section.lines) lines.push(`  ${inline(line)}`);
    if (section.choices?.length) lines.push(choiceLines(section.choices));
  }
  if (message.choices?.length) lines.push('', choiceLines(message.choices));
  if (choices.length) lines.push(answerHint(choices, keys));
  if (message.footer) lines.push(inline(message.footer));
  return lines.join('\n');
}

/** One line of core markup as text: code spans as written (less `partner ` if asked), `*bold*` emphasised. */
export function renderInline(text: string, options: RenderOptions): string {
  const bold = (inner: string): string => (options.color ? `\x1b[1m${inner}\x1b[22m` : inner);
  const emphasis = (plain: string): string =>
    plain.replace(/\*([^*\n]+)\*/g, (_, inner: string) => bold(inner));
  const code = (span: string): string => (options.bareCommands ? span.replace(/^\/?partner\s+/, '') : span);
  let out = '';
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const end = text[i] === '`' ? codeSpanEnd(text, i) : -1;
    if (end < 0) {
      plain += text[i];
      i++;
      continue;
    }
    out += emphasis(plain) + code(text.slice(i + 1, end));
    plain = '';
    i = end + 1;
  }
  return out + emphasis(plain);
}

/**
 * Where the code span opened by the backtick at `open` closes, or -1 when it does not (the backtick is then
 * just a character). A span ends at the next backtick on the same line that is not inside a quoted name,
 * so `partner status "`tick`"` is one span; unbalanced quotes fall back to the next backtick.
 */
function codeSpanEnd(text: string, open: number): number {
  let quoted = false;
  for (let j = open + 1; j < text.length; j++) {
    const char = text[j];
    if (char === '\n') break;
    if (quoted) {
      if (char === '\\') j++;
      else if (char === '"') quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === '`') return j > open + 1 ? j : -1;
  }
  const next = text.indexOf('`', open + 1);
  const lineEnd = text.indexOf('\n', open + 1);
  return next > open + 1 && (lineEnd < 0 || next < lineEnd) ? next : -1;
}

/** A short plain name for a message (its title or the start of its text), for "choose … for “…”". */
export function plainTitle(message: Message, max = 60): string {
  const source = message.title ?? message.text.split('\n')[0] ?? '';
  const plain = renderInline(source, { color: false, bareCommands: true }).trim();
  return plain.length <= max ? plain : `${plain.slice(0, max - 1)}…`;
}
