/**
 * Renders the core's channel-neutral `Message`s as Block Kit (messages, the App Home view, a notice
 * modal); forms are `block-kit-forms.ts`. Pure functions: no I/O.
 *
 * Everything rendered stays within Slack's limits, so a long partner list or an over-long note
 * degrades to a shortened message instead of an `invalid_blocks` or `msg_blocks_too_long` refusal.
 */
import type { types } from '@slack/bolt';
import type { Choice, Message } from '../../core/messages';

type KnownBlock = types.KnownBlock;
type ActionsBlock = types.ActionsBlock;
type Button = types.Button;
type Overflow = types.Overflow;
type ActionsBlockElement = types.ActionsBlockElement;
type ModalView = types.ModalView;
type HomeView = types.HomeView;
type PlainTextOption = types.PlainTextOption;
type PlainTextElement = types.PlainTextElement;
type MrkdwnElement = types.MrkdwnElement;

/** Slack's Block Kit limits, in characters or items. */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  fieldText: 2000,
  fieldsPerSection: 10,
  contextText: 2000,
  buttonText: 75,
  /** `action_id` and, as we use it, a button's `value`. */
  actionId: 255,
  actionsElements: 25,
  /** Options of an overflow menu: two to five. */
  overflowOptions: 5,
  optionsPerSelect: 100,
  optionText: 75,
  optionValue: 150,
  placeholder: 150,
  inputLabel: 2000,
  textInput: 3000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  /** The notification fallback `text` of a message with blocks. */
  fallbackText: 3000,
  /**
   * Text across all blocks of one message. Slack refuses more with `msg_blocks_too_long`; the limit is
   * not published (Slack's SDK maintainers speak of about 12,000 characters of text with a buffer for
   * the blocks around it, and refusals from about 11,300 are reported), so this keeps a wide margin.
   */
  messageTextTotal: 10_000,
} as const;

/** A message ready for `chat.postMessage`, `chat.update` or `respond()`. */
export interface RenderedMessage {
  /** Plain fallback for notifications and screen readers. */
  text: string;
  blocks: KnownBlock[];
}

/** Escapes the three characters Slack's mrkdwn treats as control characters (links, mentions). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack mrkdwn has no escape character: a zero-width space either side keeps a marker from pairing. */
const ZWSP = '\u200B';
const INERT = (marker: string): string => `${ZWSP}${marker}${ZWSP}`;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;

/** What the core writes before a span it opens, and after one it closes (besides the text's ends). */
const CORE_OPENS_AFTER = /[\s(“"'‘]/;
const CORE_CLOSES_BEFORE = /[\s.,:;!?)'’”"/]/;

/**
 * Where the span a core marker (`*` bold, backtick code) opens at `start` closes, or -1 when it opens none.
 * The core wraps whole phrases: it opens one after a space or an opening bracket or quote, and closes it
 * before a space or punctuation, on the same line; a member's marker next to another marker or inside a
 * word is no end of the core's span.
 */
function closingMarker(text: string, start: number): number {
  const marker = text.charAt(start);
  const before = text.charAt(start - 1);
  const after = text.charAt(start + 1);
  if ((before && !CORE_OPENS_AFTER.test(before)) || !after || SPACE.test(after)) return -1;
  for (let end = start + 2; end < text.length; end += 1) {
    const char = text.charAt(end);
    if (char === '\n') return -1;
    if (char !== marker) continue;
    const next = text.charAt(end + 1);
    if (!SPACE.test(text.charAt(end - 1)) && (!next || CORE_CLOSES_BEFORE.test(next))) return end;
  }
  return -1;
}

/** Whether the marker at `index` could open or close formatting: not with a word character on both sides. */
function couldPair(text: string, index: number): boolean {
  const before = text.charAt(index - 1);
  const after = text.charAt(index + 1);
  const opens = (!before || !WORD.test(before)) && !!after && !SPACE.test(after);
  const closes = !!before && !SPACE.test(before) && (!after || !WORD.test(after));
  return opens || closes;
}

const MARKERS = new Set(['*', '_', '~', '`']);

/** `text[from..to)` with every marker that could pair made inert. */
function inert(text: string, from: number, to: number): string {
  let out = '';
  for (let index = from; index < to; index += 1) {
    const char = text.charAt(index);
    out += MARKERS.has(char) && couldPair(text, index) ? INERT(char) : char;
  }
  return out;
}

/**
 * A command as it is typed in Slack. The core writes the commands it suggests as `partner log …`, which is
 * how Teams and the terminal take them; in Slack they are the slash command `/partner log …`.
 */
function slashCommand(code: string): string {
  return /^partner(\s|$)/.test(code) ? `/${code}` : code;
}

/**
 * The core's text as Slack mrkdwn that only the core formats. Members' words (partner names, notes)
 * sit inside the core's text, and the core uses only `*bold*` and backtick code: those spans are kept,
 * `&`, `<` and `>` are escaped (no link or mention can be made), and every other formatting marker (`*`,
 * `_`, `~`, backtick) that could pair, including any inside a bold span, is made inert. A marker inside a
 * word (`ALLOW_GUESTS`) formats nothing and is left as typed, as is text inside code (where a suggested
 * `partner …` command becomes the `/partner …` typed in Slack).
 */
export function mrkdwn(text: string): string {
  const escaped = escapeMrkdwn(text);
  let out = '';
  let index = 0;
  while (index < escaped.length) {
    const char = escaped.charAt(index);
    const end = char === '*' || char === '`' ? closingMarker(escaped, index) : -1;
    if (end > 0) {
      out +=
        char +
        (char === '`' ? slashCommand(escaped.slice(index + 1, end)) : inert(escaped, index + 1, end)) +
        char;
      index = end + 1;
    } else {
      out += inert(escaped, index, index + 1);
      index += 1;
    }
  }
  return out;
}

/**
 * Shortens `text` to at most `max` characters, ending with `…` when cut. Never splits a surrogate
 * pair or an `&amp;`-style entity.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  return `${cut}…`;
}

/** Removes the mrkdwn markers the core uses, for plain-text places (headers, buttons, options). */
export function stripMrkdwn(text: string): string {
  return text.replace(/\*([^*\n]+)\*/g, '$1').replace(/`([^`\n]+)`/g, '$1');
}

export function plain(text: string, max: number): PlainTextElement {
  // Slack refuses an empty plain_text object; a single space renders as nothing.
  return { type: 'plain_text', text: clip(text, max) || ' ', emoji: true };
}

function md(text: string, max: number): MrkdwnElement {
  return { type: 'mrkdwn', text: clip(text, max) || ' ' };
}

/** Splits escaped mrkdwn into chunks of at most `max` characters, at line breaks where possible. */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.length <= max) {
      current = candidate;
      continue;
    }
    if (current) chunks.push(current);
    let rest = line;
    while (rest.length > max) {
      let cut = max;
      // A long line (e.g. a list of names) breaks after a space where there is one in its second half.
      const space = rest.lastIndexOf(' ', max - 1);
      if (space >= max / 2) cut = space + 1;
      if (/[\uD800-\uDBFF]/.test(rest.charAt(cut - 1))) cut -= 1;
      const entity = /&[a-z]{0,4}$/.exec(rest.slice(0, cut));
      if (entity && entity.index > 0) cut = entity.index;
      chunks.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
  }
  if (current) chunks.push(current);
  return chunks;
}

function sectionBlocks(text: string): KnownBlock[] {
  return splitText(text, SLACK_LIMITS.sectionText)
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => ({
      type: 'section',
      text: { type: 'mrkdwn', text: chunk },
    }));
}

/**
 * The elements for `choices`, each id once, skipping any that already appears in this message (Slack
 * refuses duplicate `action_id`s) or that Slack could not carry: a button for each choice, its `action_id`
 * and `value` the core's choice id; then the secondary choices tucked into an overflow menu, each option's
 * `value` the choice id. A secondary choice stays a button when a menu cannot hold it (a menu needs two
 * options, and an option's value is shorter than an `action_id`).
 */
function choiceElements(choices: Choice[], used: Set<string>): ActionsBlockElement[] {
  const seen = new Set(used);
  const shown: Choice[] = [];
  const tucked: Choice[] = [];
  for (const choice of choices) {
    if (!choice.id || choice.id.length > SLACK_LIMITS.actionId || seen.has(choice.id)) continue;
    seen.add(choice.id);
    if (choice.secondary && choice.id.length <= SLACK_LIMITS.optionValue) tucked.push(choice);
    else shown.push(choice);
  }
  if (tucked.length === 1) shown.push(tucked.pop()!);
  const out: ActionsBlockElement[] = [];
  for (const choice of shown) {
    used.add(choice.id);
    const button: Button = {
      type: 'button',
      action_id: choice.id,
      value: choice.id,
      text: plain(stripMrkdwn(choice.label), SLACK_LIMITS.buttonText),
    };
    if (choice.style) button.style = choice.style;
    out.push(button);
  }
  // Menus of two to five options, as even as may be (six make two of three).
  const menus = Math.ceil(tucked.length / SLACK_LIMITS.overflowOptions);
  for (let menu = 0, start = 0; menu < menus; menu++) {
    const size = Math.ceil((tucked.length - start) / (menus - menu));
    const group = tucked.slice(start, start + size);
    start += size;
    group.forEach((choice) => used.add(choice.id));
    let actionId = clip(`more:${group[0]!.id}`, SLACK_LIMITS.actionId);
    for (let n = 2; used.has(actionId); n++)
      actionId = clip(`more${n}:${group[0]!.id}`, SLACK_LIMITS.actionId);
    used.add(actionId);
    out.push({
      type: 'overflow',
      action_id: actionId,
      options: group.map((choice) => option(choice.id, choice.label)),
    } satisfies Overflow);
  }
  return out;
}

function actionsBlocks(choices: Choice[], used: Set<string>, blockIdPrefix: string): ActionsBlock[] {
  const all = choiceElements(choices, used);
  const blocks: ActionsBlock[] = [];
  for (let i = 0; i < all.length; i += SLACK_LIMITS.actionsElements) {
    const n = blocks.length;
    blocks.push({
      type: 'actions',
      block_id: n === 0 ? blockIdPrefix : `${blockIdPrefix}-${n + 1}`,
      elements: all.slice(i, i + SLACK_LIMITS.actionsElements),
    });
  }
  return blocks;
}

/** The plain fallback text of a message: its title and text. */
export function fallbackText(message: Message): string {
  const parts = [message.title ? `*${stripMrkdwn(message.title)}*` : '', message.text].filter(Boolean);
  return clip(mrkdwn(parts.join('\n')), SLACK_LIMITS.fallbackText) || ' ';
}

/** Characters of text in a block: every `text` string in it (headers, sections, fields, buttons). */
export function blockTextLength(block: unknown): number {
  if (Array.isArray(block)) return block.reduce((sum: number, item) => sum + blockTextLength(item), 0);
  if (!block || typeof block !== 'object') return 0;
  let sum = 0;
  for (const [key, value] of Object.entries(block)) {
    if (key === 'text' && typeof value === 'string') sum += value.length;
    else if (typeof value === 'object') sum += blockTextLength(value);
  }
  return sum;
}

/** What is left of a message's limits: blocks, and characters of text across them. */
class Room {
  constructor(
    public blocks: number,
    public chars: number,
  ) {}

  fits(blocks: KnownBlock[], reserve = { blocks: 0, chars: 0 }): boolean {
    return (
      blocks.length + reserve.blocks <= this.blocks && blockTextLength(blocks) + reserve.chars <= this.chars
    );
  }

  take(blocks: KnownBlock[]): KnownBlock[] {
    this.blocks -= blocks.length;
    this.chars -= blockTextLength(blocks);
    return blocks;
  }
}

/** Kept free for the "…and N more not shown here." note while something may still be left out. */
const NOTE_ROOM = { blocks: 1, chars: 40 };
const NO_ROOM = { blocks: 0, chars: 0 };

/** A section's text: its title in bold, then its lines, escaped. */
function sectionText(title: string | undefined, lines: string[]): string {
  return [title ? `*${mrkdwn(stripMrkdwn(title))}*` : '', ...lines.map(mrkdwn)]
    .filter((line) => line !== '')
    .join('\n');
}

/**
 * Renders a message as Block Kit within `maxBlocks` (50 for messages, 100 for views) and `maxChars` of
 * text in all (messages only). Buttons and the footer are kept first; then the title, text and facts;
 * then the sections in order. A section that does not fit whole keeps as many of its first lines as
 * fit, and the sections after it are left out, with a note saying how many.
 */
export function renderMessage(
  message: Message,
  options: { maxBlocks?: number; maxChars?: number } = {},
): RenderedMessage {
  const room = new Room(
    options.maxBlocks ?? SLACK_LIMITS.messageBlocks,
    options.maxChars ?? SLACK_LIMITS.messageTextTotal,
  );
  const used = new Set<string>();

  // Buttons are what a member answers with: they are never the part left out.
  const tail: KnownBlock[] = [];
  if (message.choices?.length) tail.push(...actionsBlocks(message.choices, used, 'choices'));
  if (message.footer?.trim()) {
    tail.push({
      type: 'context',
      elements: [md(mrkdwn(message.footer), SLACK_LIMITS.contextText)],
    });
  }
  room.take(tail);

  const sections = message.sections ?? [];
  const reserve = (): { blocks: number; chars: number } => (sections.length ? NOTE_ROOM : NO_ROOM);
  const head: KnownBlock[] = [];
  if (message.title?.trim()) {
    const header: KnownBlock = {
      type: 'header',
      text: plain(stripMrkdwn(message.title), SLACK_LIMITS.headerText),
    };
    if (room.fits([header], reserve())) head.push(...room.take([header]));
  }
  const text = message.isError ? `:warning: ${message.text}` : message.text;
  for (const chunk of text.trim() ? sectionBlocks(mrkdwn(text)) : []) {
    if (room.fits([chunk], reserve())) {
      head.push(...room.take([chunk]));
      continue;
    }
    const left = room.chars - reserve().chars;
    if (room.blocks - reserve().blocks >= 1 && left >= 20) {
      const original = (chunk as { text: { text: string } }).text.text;
      head.push(...room.take([{ type: 'section', text: { type: 'mrkdwn', text: clip(original, left) } }]));
    }
    break;
  }
  let fields: MrkdwnElement[] = [];
  const flush = (): void => {
    if (fields.length) head.push({ type: 'section', fields });
    fields = [];
  };
  for (const fact of message.facts ?? []) {
    const field = md(`*${mrkdwn(stripMrkdwn(fact.label))}*\n${mrkdwn(fact.value)}`, SLACK_LIMITS.fieldText);
    if (fields.length === SLACK_LIMITS.fieldsPerSection) flush();
    const newBlock = fields.length === 0 ? 1 : 0;
    if (newBlock + reserve().blocks > room.blocks || field.text.length + reserve().chars > room.chars) break;
    room.blocks -= newBlock;
    room.chars -= field.text.length;
    fields.push(field);
  }
  flush();

  const body: KnownBlock[] = [];
  let shown = 0;
  for (const [index, section] of sections.entries()) {
    const after = index < sections.length - 1 ? NOTE_ROOM : NO_ROOM;
    // Rendered against a copy of the ids in use: only the group finally kept (the last one rendered)
    // claims the ids of its buttons and menus.
    let claimed = used;
    const group = (lines: string[]): KnownBlock[] => {
      const blocks = sectionBlocks(sectionText(section.title, lines));
      claimed = new Set(used);
      if (section.choices?.length)
        blocks.push(...actionsBlocks(section.choices, claimed, `section-${index + 1}`));
      return blocks;
    };
    let kept = group(section.lines);
    if (!room.fits(kept, after)) {
      // The first lines of a long section (e.g. a long list), as many as fit, then how many more.
      const partial = (keep: number): KnownBlock[] =>
        group([...section.lines.slice(0, keep), `…and ${section.lines.length - keep} more.`]);
      let low = 0;
      let high = section.lines.length - 1;
      while (low < high) {
        const middle = Math.ceil((low + high) / 2);
        if (room.fits(partial(middle), after)) low = middle;
        else high = middle - 1;
      }
      kept = low > 0 ? partial(low) : [];
      if (kept.length === 0 || !room.fits(kept, after)) break;
      body.push(...room.take(kept));
      claimed.forEach((id) => used.add(id));
      shown++;
      break;
    }
    body.push(...room.take(kept));
    claimed.forEach((id) => used.add(id));
    shown++;
  }
  const left = sections.length - shown;
  if (left > 0) {
    body.push({
      type: 'context',
      elements: [md(`…and ${left} more not shown here.`, SLACK_LIMITS.contextText)],
    });
  }
  return { text: fallbackText(message), blocks: [...head, ...body, ...tail] };
}

/** Views allow 100 blocks; no limit on their text in all is known, so only the blocks' own limits apply. */
const VIEW_ROOM = { maxBlocks: SLACK_LIMITS.viewBlocks, maxChars: Number.POSITIVE_INFINITY };

/** The App Home tab for a dashboard message. */
export function renderHomeView(message: Message): HomeView {
  return { type: 'home', blocks: renderMessage(message, VIEW_ROOM).blocks };
}

export function option(value: string, label: string): PlainTextOption {
  return { text: plain(stripMrkdwn(label), SLACK_LIMITS.optionText), value };
}

/** A modal that only shows a message (e.g. to replace a form that can no longer be submitted). */
export function renderNoticeModal(title: string, message: Message): ModalView {
  return {
    type: 'modal',
    title: plain(title, SLACK_LIMITS.modalTitle),
    close: plain('Close', SLACK_LIMITS.modalButton),
    blocks: renderMessage(message, VIEW_ROOM).blocks,
  };
}
