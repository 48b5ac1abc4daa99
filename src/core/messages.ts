/**
 * Channel-neutral messages. The core speaks only these; each channel translates them
 * (Block Kit for Slack, Adaptive Cards for Teams, plain text for the terminal).
 */

/** A button. `id` is stable and comes back unchanged when the button is pressed. */
export interface Choice {
  id: string;
  label: string;
  style?: 'primary' | 'danger';
  /**
   * On a confirmation: the button that goes ahead (`confirm`) or backs out (`cancel`), so a channel may
   * also take a typed "yes" or "no".
   */
  role?: 'confirm' | 'cancel';
  /**
   * A way out rather than an answer (snooze, dismiss): channels that can tuck choices away put it in a menu
   * (Slack overflow, Teams `mode: 'secondary'`), so the message shows its answers first.
   */
  secondary?: true;
}

/** A label/value pair shown beside the text (Block Kit fields, Adaptive Card FactSet). */
export interface Fact {
  label: string;
  value: string;
}

export interface FormOption {
  value: string;
  label: string;
}

/** What a select can look up as the member types: `partners` is answered by `Rapport.searchPartners`. */
export type FormSearch = 'partners';

/** A select. `initial`, when set, is always one of `options`. */
export interface SelectField {
  id: string;
  label: string;
  type: 'select';
  options: FormOption[];
  optional?: boolean;
  initial?: string;
  /** The options can be looked up by what the member types (a type-ahead), from this source. */
  search?: FormSearch;
  /**
   * `options` are only the first of them (at most {@link FORM_SELECT_OPTIONS}, `initial` always among them):
   * a channel must look the rest up through `search`.
   */
  more?: boolean;
}

/** Most options a form's select lists; more are reached by search (Slack shows at most 100 in a select). */
export const FORM_SELECT_OPTIONS = 100;

/** One input of a form. `maxLength` is in characters. */
export type FormField =
  | SelectField
  | { id: string; label: string; type: 'date'; optional?: boolean; initial?: string }
  /**
   * A person of the workspace, picked by the platform (Slack users select, Teams people picker); the value
   * is their member id (several, comma-separated, when `multiple`).
   */
  | {
      id: string;
      label: string;
      type: 'member';
      optional?: boolean;
      multiple?: boolean;
      initial?: string;
      /** People the workspace knows, offered first where the picker shows suggestions (Teams). */
      options?: FormOption[];
    }
  | {
      id: string;
      label: string;
      type: 'text';
      multiline?: boolean;
      maxLength?: number;
      placeholder?: string;
      optional?: boolean;
      initial?: string;
    };

/** A form the channel shows (Slack modal, Teams Adaptive Card); submitted values come back by field id. */
export interface Form {
  /** Which form this is, e.g. `log-interaction`; comes back with the submission. */
  id: string;
  title: string;
  submitLabel: string;
  fields: FormField[];
  /** Opaque values the channel sends back with the submission (e.g. the nudge a form answers). */
  context?: Record<string, string>;
}

/** A titled group of lines inside a message (a Block Kit section, an Adaptive Card container). */
export interface Section {
  title?: string;
  lines: string[];
  /** Buttons that act on this section's subject (e.g. one partner on a dashboard). */
  choices?: Choice[];
}

/** A file attached to a message (an export). `content` is the whole text, UTF-8. */
export interface MessageFile {
  /** A plain file name, e.g. `rapport-partners-2026-11-27.csv` (no directories). */
  name: string;
  /** e.g. `text/csv`, `application/json`. */
  mimeType: string;
  content: string;
}

/** Something the bot says. Text uses a small Markdown subset: *bold*, _italic_, line breaks. */
export interface Message {
  /** Short heading, e.g. "Nissan — 30 days since signing". */
  title?: string;
  text: string;
  facts?: Fact[];
  sections?: Section[];
  choices?: Choice[];
  /** A form the member may open or that is offered inline (Teams). */
  form?: Form;
  /** Small print at the bottom. */
  footer?: string;
  /** Marks a reply that reports a mistake in the member's input, so channels may style it. */
  isError?: boolean;
  /** Files to hand over with the message (uploads where the platform allows, files on disk in the terminal). */
  files?: MessageFile[];
  /**
   * Members the message is for, when it is posted in a shared channel (a partner's channel) rather than sent
   * to each of them: the channel mentions them (`id` is the member id, the platform's user id).
   */
  mentions?: { id: string; name: string | null }[];
}

/** Values submitted from a form, by field id; empty inputs are absent or empty strings. */
export type FormValues = Record<string, string | undefined>;

/** What a form submission produced: either a confirmation, or field errors to show in the form. */
export type FormResult = { ok: true; reply: Message } | { ok: false; errors: Record<string, string> };

/** What pressing a choice produced. */
export interface ChoiceResult {
  /** Reply to the member (may be shown ephemerally). */
  reply: Message;
  /** Replacement for the message that carried the choice (so it cannot be answered twice), if any. */
  replaceOriginal?: Message;
  /** A form to open (e.g. "Log it now"). */
  openForm?: Form;
}
