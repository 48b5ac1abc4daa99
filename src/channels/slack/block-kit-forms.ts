/**
 * Slack modals for the core's `Form`s: the form as a modal (inputs, type-ahead pickers, the metadata that
 * travels with it), and the submitted state read back as the core's values and errors. Pure functions.
 */
import type { types } from '@slack/bolt';
import type { Form, FormField, FormOption, FormSearch, FormValues, SelectField } from '../../core/messages';
import { clip, mrkdwn, option, plain, SLACK_LIMITS } from './block-kit';

type KnownBlock = types.KnownBlock;
type InputBlock = types.InputBlock;
type ModalView = types.ModalView;
type PlainTextOption = types.PlainTextOption;

/** What a modal carries back in `private_metadata`: the form's context and where it was opened from. */
export interface ModalMetadata {
  /** The form's opaque context (e.g. `{ nudgeId }`). */
  context?: Record<string, string>;
  /** The channel the member opened the form from (for an ephemeral confirmation). */
  channel?: string;
  /** The message the form answers (a nudge), to update once the form is submitted. */
  message?: { channel: string; ts: string };
}

/** Encodes metadata for `private_metadata`, dropping the optional parts when it would be too long. */
export function encodeMetadata(metadata: ModalMetadata): string {
  const full = JSON.stringify(metadata);
  if (full.length <= SLACK_LIMITS.privateMetadata) return full;
  const slim = JSON.stringify({ context: metadata.context });
  return slim.length <= SLACK_LIMITS.privateMetadata ? slim : '{}';
}

/** Reads `private_metadata` back; anything malformed or foreign reads as empty. */
export function decodeMetadata(text: string | undefined): ModalMetadata {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object') return {};
    const raw = parsed as Record<string, unknown>;
    const out: ModalMetadata = {};
    if (raw.context && typeof raw.context === 'object') {
      const context: Record<string, string> = {};
      for (const [key, value] of Object.entries(raw.context as Record<string, unknown>)) {
        if (typeof value === 'string') context[key] = value;
      }
      out.context = context;
    }
    if (typeof raw.channel === 'string') out.channel = raw.channel;
    const message = raw.message as Record<string, unknown> | undefined;
    if (message && typeof message.channel === 'string' && typeof message.ts === 'string') {
      out.message = { channel: message.channel, ts: message.ts };
    }
    return out;
  } catch {
    return {};
  }
}

/** The `action_id` of a select whose options are looked up as the member types, by what it searches. */
export function searchActionId(search: FormSearch): string {
  return `search:${search}`;
}

/** What a `block_suggestion` asks for, from its `action_id`; null when it is not one of ours. */
export function searchOf(actionId: string): FormSearch | null {
  return actionId === searchActionId('partners') ? 'partners' : null;
}

/**
 * A searchable select (e.g. a partner picker): an `external_select` whose options Slack asks
 * for as the member types (`block_suggestion`), from the first keystroke (a click shows the first ones),
 * with the initial option shown.
 */
function searchBlock(field: SelectField, search: FormSearch): InputBlock {
  const initial = field.options.find((o) => o.value === field.initial);
  return {
    type: 'input',
    block_id: field.id,
    label: plain(field.label, SLACK_LIMITS.inputLabel),
    optional: field.optional ?? false,
    element: {
      type: 'external_select',
      action_id: searchActionId(search),
      min_query_length: 0,
      placeholder: plain('Type to search…', SLACK_LIMITS.placeholder),
      ...(initial && initial.value.length <= SLACK_LIMITS.optionValue
        ? { initial_option: option(initial.value, initial.label) }
        : {}),
    },
  };
}

/** Options as a `block_suggestion` is answered: at most 100, each within Slack's limits. */
export function suggestionOptions(options: readonly FormOption[]): PlainTextOption[] {
  return options
    .filter((o) => o.value && o.value.length <= SLACK_LIMITS.optionValue)
    .slice(0, SLACK_LIMITS.optionsPerSelect)
    .map((o) => option(o.value, o.label));
}

function inputBlock(field: FormField): KnownBlock {
  const label = plain(field.label, SLACK_LIMITS.inputLabel);
  const optional = field.optional ?? false;
  switch (field.type) {
    case 'select': {
      // A searchable select is always a type-ahead, with the partner in context chosen: any partner can be
      // picked, and the picker behaves the same in every workspace.
      if (field.search && field.options.length) return searchBlock(field, field.search);
      const options = field.options
        .filter((o) => o.value && o.value.length <= SLACK_LIMITS.optionValue)
        .slice(0, SLACK_LIMITS.optionsPerSelect)
        .map((o) => option(o.value, o.label));
      if (options.length === 0) {
        // Slack refuses a select without options; say so in place of the input.
        return {
          type: 'section',
          block_id: field.id,
          text: { type: 'mrkdwn', text: `*${mrkdwn(field.label)}*\nNothing to choose from yet.` },
        };
      }
      const initial = options.find((o) => o.value === field.initial);
      const block: InputBlock = {
        type: 'input',
        block_id: field.id,
        label,
        optional,
        element: {
          type: 'static_select',
          action_id: field.id,
          options,
          placeholder: plain('Choose…', SLACK_LIMITS.placeholder),
          ...(initial ? { initial_option: initial } : {}),
        },
      };
      return block;
    }
    case 'member':
      // Slack's own people picker: the submission carries the chosen user id(s).
      return {
        type: 'input',
        block_id: field.id,
        label,
        optional,
        element: field.multiple
          ? {
              type: 'multi_users_select',
              action_id: field.id,
              placeholder: plain('Choose people…', SLACK_LIMITS.placeholder),
              ...(field.initial ? { initial_users: field.initial.split(',') } : {}),
            }
          : {
              type: 'users_select',
              action_id: field.id,
              placeholder: plain('Choose someone…', SLACK_LIMITS.placeholder),
              ...(field.initial ? { initial_user: field.initial } : {}),
            },
      };
    case 'date': {
      const valid = field.initial && /^\d{4}-\d{2}-\d{2}$/.test(field.initial) ? field.initial : undefined;
      return {
        type: 'input',
        block_id: field.id,
        label,
        optional,
        element: {
          type: 'datepicker',
          action_id: field.id,
          ...(valid ? { initial_date: valid } : {}),
        },
      };
    }
    case 'text': {
      const maxLength = Math.min(field.maxLength ?? SLACK_LIMITS.textInput, SLACK_LIMITS.textInput);
      return {
        type: 'input',
        block_id: field.id,
        label,
        optional,
        element: {
          type: 'plain_text_input',
          action_id: field.id,
          multiline: field.multiline ?? false,
          max_length: maxLength,
          ...(field.placeholder ? { placeholder: plain(field.placeholder, SLACK_LIMITS.placeholder) } : {}),
          ...(field.initial ? { initial_value: field.initial.slice(0, maxLength) } : {}),
        },
      };
    }
  }
}

/**
 * A core form as a modal. `callback_id` is the form id; block ids are the field ids, and so are action ids,
 * except for a searched select's (`searchActionId`), which tells the `block_suggestion` what to look up.
 */
export function renderModal(form: Form, metadata: ModalMetadata = {}): ModalView {
  return {
    type: 'modal',
    callback_id: form.id,
    title: plain(form.title, SLACK_LIMITS.modalTitle),
    submit: plain(form.submitLabel, SLACK_LIMITS.modalButton),
    close: plain('Cancel', SLACK_LIMITS.modalButton),
    private_metadata: encodeMetadata({ ...metadata, context: form.context ?? metadata.context }),
    blocks: form.fields.slice(0, SLACK_LIMITS.viewBlocks).map(inputBlock),
  };
}

/** One input's state as `view.state.values[blockId][actionId]` holds it. */
interface InputState {
  type?: string;
  value?: string | null;
  selected_option?: { value?: string } | null;
  selected_options?: { value?: string }[] | null;
  selected_date?: string | null;
  selected_time?: string | null;
  selected_user?: string | null;
  selected_users?: string[] | null;
  selected_conversation?: string | null;
  selected_channel?: string | null;
}

function inputValue(state: InputState): string | undefined {
  if (typeof state.value === 'string') return state.value;
  if (state.selected_option && typeof state.selected_option.value === 'string')
    return state.selected_option.value;
  if (typeof state.selected_date === 'string') return state.selected_date;
  if (typeof state.selected_time === 'string') return state.selected_time;
  if (Array.isArray(state.selected_options)) {
    return state.selected_options
      .map((o) => o.value)
      .filter((v): v is string => typeof v === 'string')
      .join(',');
  }
  if (Array.isArray(state.selected_users))
    return state.selected_users.filter((v): v is string => typeof v === 'string').join(',');
  for (const key of ['selected_user', 'selected_conversation', 'selected_channel'] as const) {
    if (typeof state[key] === 'string') return state[key] as string;
  }
  return undefined;
}

/** Reads a submitted modal's values by block id (the core's field ids). Empty inputs are absent. */
export function readViewValues(values: unknown): FormValues {
  const out: FormValues = {};
  if (!values || typeof values !== 'object') return out;
  for (const [blockId, actions] of Object.entries(values as Record<string, unknown>)) {
    if (!actions || typeof actions !== 'object') continue;
    for (const state of Object.values(actions as Record<string, InputState>)) {
      if (!state || typeof state !== 'object') continue;
      const value = inputValue(state);
      if (value !== undefined && value !== '') {
        out[blockId] = value;
        break;
      }
    }
  }
  return out;
}

/**
 * Field errors keyed by input block, as `response_action: 'errors'` wants them. An error for a
 * field the view does not show is put on the first input, so it is seen rather than refused.
 */
export function viewErrors(errors: Record<string, string>, blocks: unknown): Record<string, string> {
  const inputs = Array.isArray(blocks)
    ? blocks
        .filter((b): b is { type: string; block_id: string } => {
          const block = b as { type?: unknown; block_id?: unknown } | null;
          return block?.type === 'input' && typeof block.block_id === 'string';
        })
        .map((b) => b.block_id)
    : [];
  const out: Record<string, string> = {};
  const stray: string[] = [];
  for (const [field, message] of Object.entries(errors)) {
    if (inputs.includes(field)) out[field] = clip(message, SLACK_LIMITS.inputLabel);
    else stray.push(message);
  }
  const first = inputs[0];
  if (stray.length && first) {
    out[first] = clip([out[first], ...stray].filter(Boolean).join(' '), SLACK_LIMITS.inputLabel);
  }
  return out;
}
