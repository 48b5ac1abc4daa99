/**
 * Renders Rapport's channel-neutral messages and forms as Adaptive Cards 1.5 (the version Teams
 * supports). Buttons are `Action.Execute` (Universal Actions, answered by an `adaptiveCard/action`
 * invoke) with an `Action.Submit` fallback for clients without Universal Actions. Pure functions.
 */
import type { Choice, Form, FormField, FormOption, FormValues, Message, Section } from '../../core/messages';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/** The dataset of Teams' people picker (`Input.ChoiceSet` with `choices.data`): the organisation's users. */
export const PEOPLE_DATASET = 'graph.microsoft.com/users';
/** The invoke Teams sends for a dynamic type-ahead (`choices.data`): `{ queryText, dataset, queryOptions }`. */
export const SEARCH_INVOKE = 'application/search';
/** The type of an answer to {@link SEARCH_INVOKE}: `{ results: [{ title, value }] }`. */
export const SEARCH_RESPONSE_TYPE = 'application/vnd.microsoft.search.searchResponse';
/** Teams shows at most this many choices per answer to a type-ahead. */
export const SEARCH_RESULTS_MAX = 15;

/** Verbs the cards send back. `rapport.choice` carries `{ choiceId }`; `rapport.form` `{ formId, context? }` + inputs. */
export const VERBS = { choice: 'rapport.choice', form: 'rapport.form' } as const;

/** Keys of a form action's data that are not input values. */
export const RESERVED_DATA_KEYS = new Set(['verb', 'formId', 'context', 'choiceId', 'msteams']);

/** One card element or action; kept loose because the card schema, not TypeScript, is the contract. */
export interface CardElement {
  type: string;
  [property: string]: unknown;
}

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.5';
  body: CardElement[];
  actions?: CardElement[];
}

/**
 * Teams refuses a message over about 28 KB. Cards are kept under this many bytes of JSON, which leaves
 * room for the activity around them.
 */
export const CARD_BUDGET_BYTES = 24_000;

/** Teams shows up to six buttons in a row; five keeps long labels readable on phones. */
const BUTTONS_PER_ROW = 5;

/** What a submitted form looked like: the values to keep, and the errors to show beside each field. */
export interface FormState {
  values?: FormValues;
  errors?: Record<string, string>;
}

/**
 * A message as a card: title, text, facts, sections, choices, an inline form, footer. A card over
 * `budgetBytes` keeps its first sections (the core lists what needs attention first): as many whole ones
 * as fit, then the first lines of the next one, and says how much it left out.
 */
export function messageCard(
  message: Message,
  budgetBytes = CARD_BUDGET_BYTES,
  options: CardOptions = {},
): AdaptiveCard {
  const full = renderMessage(message, options);
  const sections = message.sections ?? [];
  if (jsonBytes(full) <= budgetBytes || sections.length === 0) return full;
  const fits = (card: AdaptiveCard): boolean => jsonBytes(card) <= budgetBytes;
  const shortened = (keep: number, lines = 0): AdaptiveCard => {
    const kept = sections.slice(0, keep);
    const next = sections[keep];
    if (next && lines > 0) {
      kept.push({
        ...next,
        lines: [...next.lines.slice(0, lines), `…and ${next.lines.length - lines} more.`],
      });
    }
    const omitted = sections.length - kept.length;
    if (omitted > 0) kept.push({ lines: [moreNote(sections.slice(kept.length))] });
    return renderMessage({ ...message, sections: kept }, options);
  };
  // The size grows with what is kept: find the most whole sections that fit, then the most lines.
  const keep = largest(0, sections.length - 1, (n) => fits(shortened(n)));
  const next = sections[keep];
  if (next && next.lines.length > 1) {
    const lines = largest(0, next.lines.length - 1, (n) => fits(shortened(keep, n)));
    if (lines > 0) return shortened(keep, lines);
  }
  return shortened(keep);
}

/** The largest n in [low, high] for which `ok(n)` holds, `ok` being true up to some n and false after. */
function largest(low: number, high: number, ok: (n: number) => boolean): number {
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (ok(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Says how many sections were left out; for partners (sections with buttons), how to see one. */
function moreNote(omitted: Section[]): string {
  const more = `…and ${omitted.length} more not shown here.`;
  return omitted.some((section) => section.choices?.length)
    ? `${more} Type \`partner status NAME\` to see any of them.`
    : more;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** How a card is shown. */
export interface CardOptions {
  /**
   * The files the message carries follow as FileConsentCards (Teams' only way for a bot to hand over a
   * file, in personal chat). Otherwise the card says where to ask for them.
   */
  fileConsent?: boolean;
}

function renderMessage(message: Message, options: CardOptions = {}): AdaptiveCard {
  const body: CardElement[] = [];
  if (message.title) body.push(heading(message.title));
  body.push(...paragraphs(message.text, message.isError ? { color: 'Attention' } : {}));
  if (message.facts?.length) {
    body.push({
      type: 'FactSet',
      facts: message.facts.map((fact) => ({
        title: cardMarkdown(fact.label),
        value: cardMarkdown(fact.value),
      })),
    });
  }
  for (const section of message.sections ?? []) body.push(sectionContainer(section));
  if (message.choices?.length) body.push(...buttonRows(message.choices));
  let actions: CardElement[] | undefined;
  if (message.form) {
    body.push({ type: 'Container', separator: true, items: formBody(message.form, {}) });
    actions = [formSubmitAction(message.form)];
  }
  if (message.files?.length) {
    const note = options.fileConsent
      ? 'Each file follows as its own card: accept it to save the file to your OneDrive and open it here.'
      : 'Teams lets me send files only in our personal chat: type `export` there to get them.';
    body.push(textBlock(note, { size: 'Small', isSubtle: true }));
  }
  if (message.footer) body.push(footer(message.footer));
  return card(body, actions);
}

/**
 * A form as a card. After a refused submission, `state` carries the submitted values (so nothing typed
 * is lost) and the error of each field, shown right under it.
 */
export function formCard(form: Form, state: FormState = {}): AdaptiveCard {
  const body: CardElement[] = [heading(form.title)];
  const errors = state.errors ?? {};
  const fieldIds = new Set(form.fields.map((field) => field.id));
  const general = Object.entries(errors).filter(([id]) => !fieldIds.has(id));
  if (Object.keys(errors).length) {
    const lines = general.length
      ? general.map(([, message]) => message)
      : ['Please check the fields marked below.'];
    body.push(...lines.map((line) => textBlock(line, { color: 'Attention', weight: 'Bolder' })));
  }
  body.push(...formBody(form, state));
  return card(body, [formSubmitAction(form)]);
}

/** True when a message is only words: Teams shows it as an ordinary chat message, not a card. */
export function isPlainMessage(message: Message): boolean {
  return (
    !message.title &&
    !message.facts?.length &&
    !message.sections?.length &&
    !message.choices?.length &&
    !message.form &&
    !message.files?.length
  );
}

/** A plain message as Teams chat Markdown (`**bold**`, paragraphs), footer in italics. */
export function chatMarkdown(message: Message): string {
  const parts = [cardMarkdown(message.text)];
  if (message.footer) parts.push(`_${cardMarkdown(message.footer)}_`);
  return parts
    .join('\n\n')
    .replace(/\n/g, '\n\n')
    .replace(/\n{3,}/g, '\n\n');
}

/** A short plain-text rendering (notification previews, invoke toasts). */
export function plainText(message: Message, max = 300): string {
  const text = [message.title, message.text]
    .filter(Boolean)
    .join(' — ')
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Text with everything Teams' Markdown would act on escaped, except emphasis: link and image syntax
 * (`[`, `]`), autolinks and HTML (`<`, `>`), the backslash itself, and a list or heading marker at the start
 * of a line. Members' words (partner names, notes) sit inside the core's text, so this is applied to all of
 * it: the core never makes links, lists or headings itself. Parentheses, `!` and backticks are left as
 * they are: without a `[…]` before them they make no link, and escaping them would put backslashes before
 * every "(signed)" on the Teams clients that show escapes as typed.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\[\]<>]/g, '\\$&')
    .replace(
      /^(\s*)(?:([#+-]|\*(?=\s))|(\d+)([.)]))/gm,
      (_all, indent: string, marker?: string, digits?: string, dot?: string) =>
        marker ? `${indent}\\${marker}` : `${indent}${digits}\\${dot}`,
    );
}

/** The core's Markdown subset (`*bold*`, line breaks) in Adaptive Card / Teams Markdown, members' words inert. */
export function cardMarkdown(text: string): string {
  return escapeMarkdown(text).replace(/\*([^*\n]+)\*/g, '**$1**');
}

function card(body: CardElement[], actions?: CardElement[]): AdaptiveCard {
  return { type: 'AdaptiveCard', $schema: SCHEMA, version: '1.5', body, ...(actions ? { actions } : {}) };
}

function heading(text: string): CardElement {
  return { type: 'TextBlock', text: cardMarkdown(text), size: 'Medium', weight: 'Bolder', wrap: true };
}

function textBlock(text: string, extra: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text: cardMarkdown(text), wrap: true, ...extra };
}

/** One TextBlock per line: Markdown line breaks render differently across Teams clients. */
function paragraphs(text: string, extra: Record<string, unknown> = {}): CardElement[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => textBlock(line, index === 0 ? extra : { ...extra, spacing: 'Small' }));
}

function footer(text: string): CardElement {
  return { type: 'TextBlock', text: cardMarkdown(text), size: 'Small', isSubtle: true, wrap: true };
}

function sectionContainer(section: Section): CardElement {
  const items: CardElement[] = [];
  if (section.title) items.push(textBlock(section.title, { weight: 'Bolder' }));
  // One TextBlock per line, also for lines with breaks inside (a note): see `paragraphs`.
  for (const line of section.lines) items.push(...paragraphs(line, { spacing: 'Small' }));
  if (section.choices?.length) items.push(...buttonRows(section.choices));
  return { type: 'Container', separator: true, items };
}

/**
 * Choices as rows of buttons. The secondary ones (snooze, dismiss) follow in a row of their own, which
 * `mode: 'secondary'` shows as a single overflow button ("…"): hosts count every action of a row against
 * their limit, tucked away or not.
 */
function buttonRows(choices: Choice[]): CardElement[] {
  const rows = (group: Choice[]): CardElement[] => {
    const out: CardElement[] = [];
    for (let i = 0; i < group.length; i += BUTTONS_PER_ROW) {
      out.push({ type: 'ActionSet', actions: group.slice(i, i + BUTTONS_PER_ROW).map(choiceAction) });
    }
    return out;
  };
  return [...rows(choices.filter((c) => !c.secondary)), ...rows(choices.filter((c) => c.secondary))];
}

function buttonStyle(choice: Choice): Record<string, string> {
  if (choice.style === 'primary') return { style: 'positive' };
  if (choice.style === 'danger') return { style: 'destructive' };
  return {};
}

/**
 * A choice as `Action.Execute`, falling back to `Action.Submit` with the same verb and data; a secondary
 * choice in the overflow menu (`mode: 'secondary'`).
 */
export function choiceAction(choice: Choice): CardElement {
  const data = { choiceId: choice.id };
  const style: Record<string, string> = {
    ...buttonStyle(choice),
    ...(choice.secondary ? { mode: 'secondary' } : {}),
  };
  return {
    type: 'Action.Execute',
    title: choice.label,
    verb: VERBS.choice,
    data,
    ...style,
    fallback: { type: 'Action.Submit', title: choice.label, data: { verb: VERBS.choice, ...data }, ...style },
  };
}

function formSubmitAction(form: Form): CardElement {
  const data: Record<string, unknown> = { formId: form.id };
  if (form.context && Object.keys(form.context).length) data.context = form.context;
  return {
    type: 'Action.Execute',
    title: form.submitLabel,
    verb: VERBS.form,
    data,
    style: 'positive',
    fallback: {
      type: 'Action.Submit',
      title: form.submitLabel,
      data: { verb: VERBS.form, ...data },
      style: 'positive',
    },
  };
}

function formBody(form: Form, state: FormState): CardElement[] {
  const elements: CardElement[] = [];
  for (const field of form.fields) {
    if (RESERVED_DATA_KEYS.has(field.id)) throw new Error(`Form field id "${field.id}" is reserved`);
    const submitted = state.values?.[field.id];
    elements.push(input(field, submitted ?? field.initial));
    const error = state.errors?.[field.id];
    if (error) elements.push(textBlock(error, { color: 'Attention', size: 'Small', spacing: 'None' }));
  }
  return elements;
}

function input(field: FormField, value: string | undefined): CardElement {
  const common: CardElement = {
    type: '',
    id: field.id,
    label: field.optional ? `${field.label} (optional)` : field.label,
    ...(field.optional ? {} : { isRequired: true, errorMessage: `${field.label} is required.` }),
    ...(value !== undefined && value !== '' ? { value } : {}),
  };
  switch (field.type) {
    case 'select': {
      const choice = (option: FormOption): Record<string, string> => ({
        title: option.label,
        value: option.value,
      });
      if (field.search) {
        // Teams' dynamic type-ahead, however few partners there are (any of them can be picked, and the
        // picker behaves the same in every workspace): the card holds the chosen option (with none chosen,
        // the first ones, as many as a search answers: a choice set needs one), and Teams asks the bot for
        // the others as the member types (`application/search`, see SEARCH_INVOKE).
        const chosen = field.options.filter((option) => option.value === value);
        return {
          ...common,
          type: 'Input.ChoiceSet',
          style: 'filtered',
          choices: (chosen.length ? chosen : field.options.slice(0, SEARCH_RESULTS_MAX)).map(choice),
          'choices.data': { type: 'Data.Query', dataset: field.search },
          placeholder: 'Type to search…',
        };
      }
      return {
        ...common,
        type: 'Input.ChoiceSet',
        choices: field.options.map(choice),
        ...(field.optional ? { placeholder: 'Choose…' } : {}),
      };
    }
    case 'member':
      // The Teams people picker: Teams searches the organisation's directory itself and submits the
      // chosen people's Entra object ids, the ids Rapport files Teams members under.
      return {
        ...common,
        type: 'Input.ChoiceSet',
        // A choice set needs one choice: the people the workspace knows come first, the directory after.
        choices: (field.options?.length ? field.options : [{ value: '', label: 'Type a name…' }])
          .slice(0, SEARCH_RESULTS_MAX)
          .map((option) => ({ title: option.label, value: option.value })),
        'choices.data': { type: 'Data.Query', dataset: PEOPLE_DATASET },
        ...(field.multiple ? { isMultiSelect: true } : {}),
        placeholder: 'Type a name…',
      };
    case 'date':
      return { ...common, type: 'Input.Date' };
    case 'text':
      return {
        ...common,
        type: 'Input.Text',
        ...(field.multiline ? { isMultiline: true } : {}),
        ...(field.maxLength ? { maxLength: field.maxLength } : {}),
        ...(field.placeholder ? { placeholder: field.placeholder } : {}),
      };
  }
}

/** A card as a Bot Framework attachment. */
export function cardAttachment(card: AdaptiveCard): { contentType: string; content: AdaptiveCard } {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}
