/**
 * Menus in the terminal, where buttons are answered by typing. Two rules keep a typed answer unambiguous:
 * - the same answer has the same key on every nudge: a rule's own answers are numbered 1…n, and the
 *   answers every nudge offers have fixed letters (S snoozes a day whatever the nudge);
 * - a typed key answers the menu the member last saw. When that menu is closed, the menu the key would go
 *   to is shown again first, and nothing is answered until the member has seen it.
 * Nudges wait in a queue until answered; the menu of a reply (a confirmation) lives until the next command.
 */
import { NUDGE_ACTIONS, parseChoiceId } from '../../core/choice-ids';
import type { Choice, Message } from '../../core/messages';

type NudgeAction = keyof typeof NUDGE_ACTIONS;

/** What to type for each answer every nudge offers (`NUDGE_ACTIONS`); a new action needs its letter here. */
export const NUDGE_ACTION_KEYS: { readonly [action in NudgeAction]: string } = {
  log: 'L',
  brief: 'B',
  snoozeDay: 'S',
  snoozeWeek: 'W',
  dismiss: 'D',
};

const KEY_BY_ACTION = new Map<string, string>(
  (Object.keys(NUDGE_ACTIONS) as NudgeAction[]).map((action) => [
    NUDGE_ACTIONS[action],
    NUDGE_ACTION_KEYS[action],
  ]),
);

const LETTER_KEYS = new Set(Object.values(NUDGE_ACTION_KEYS).map((key) => key.toLowerCase()));

/**
 * What to type for each choice, in order: fixed letters for nudges' built-in answers, numbers for the rest
 * (and for a built-in answer whose letter an earlier choice of the same message took: in a message that
 * folds several nudges, the second "Log it now" gets a number).
 */
export function choiceKeys(choices: readonly Choice[]): string[] {
  let number = 0;
  const used = new Set<string>();
  return choices.map((choice) => {
    const parsed = parseChoiceId(choice.id);
    const fixed = parsed?.type === 'nudge' ? KEY_BY_ACTION.get(parsed.action) : undefined;
    if (fixed && !used.has(fixed)) {
      used.add(fixed);
      return fixed;
    }
    return String(++number);
  });
}

/** Every choice a message offers, in the order shown: each section's, then the message's own. */
export function menuChoices(message: Message): Choice[] {
  return [
    ...(message.sections ?? []).flatMap((section) => section.choices ?? []),
    ...(message.choices ?? []),
  ];
}

/** Whether a typed line is meant as an answer to a menu: a number, or one of the fixed letters. */
export function isAnswerKey(text: string): boolean {
  return /^\d{1,2}$/.test(text) || LETTER_KEYS.has(text.toLowerCase());
}

/** The role a typed word gives on a confirmation: yes/y goes ahead, no/n/cancel backs out. */
export function confirmationRole(text: string): 'confirm' | 'cancel' | null {
  const word = text.toLowerCase();
  if (word === 'yes' || word === 'y') return 'confirm';
  if (word === 'no' || word === 'n' || word === 'cancel') return 'cancel';
  return null;
}

/** The line under a menu: how to answer it. */
export function answerHint(choices: readonly Choice[], keys: readonly string[]): string {
  if (choices.some((choice) => choice.role)) return 'Answer yes or no, or with a number.';
  return keys.some((key) => !/^\d+$/.test(key))
    ? 'Answer with a number or a letter.'
    : 'Answer with a number.';
}

/** "1, 2 or S". */
export function keyList(keys: readonly string[]): string {
  return keys.length < 2 ? (keys[0] ?? '') : `${keys.slice(0, -1).join(', ')} or ${keys[keys.length - 1]}`;
}

/** A menu on screen: the message that carried it and what to type for each of its choices. */
export interface Menu {
  readonly message: Message;
  readonly choices: readonly Choice[];
  readonly keys: readonly string[];
}

function menuOf(message: Message): Menu | null {
  const choices = menuChoices(message);
  return choices.length ? { message, choices, keys: choiceKeys(choices) } : null;
}

/** The choice a typed key picks on a menu (case does not matter), or undefined. */
export function choiceFor(menu: Menu, key: string): Choice | undefined {
  const index = menu.keys.findIndex((candidate) => candidate.toLowerCase() === key.toLowerCase());
  return index < 0 ? undefined : menu.choices[index];
}

/** The open menus of one terminal chat, and which of them the member saw last. */
export class MenuBoard {
  /** Delivered nudges not yet answered here, oldest first. */
  private readonly nudges: Menu[] = [];
  /** The menu of the latest reply (e.g. a confirmation), until the next command. */
  private reply: Menu | null = null;
  private lastShown: Menu | null = null;

  /** A nudge was printed: its menu joins the queue and is the one the member last saw. */
  delivered(message: Message): void {
    const menu = menuOf(message);
    if (!menu) return;
    this.nudges.push(menu);
    this.lastShown = menu;
  }

  /** A reply was printed: its menu (if any) replaces the previous reply's and is the one last seen. */
  replied(message: Message): void {
    this.reply = menuOf(message);
    if (this.reply) this.lastShown = this.reply;
  }

  /** A menu was printed again. */
  shown(menu: Menu): void {
    this.lastShown = menu;
  }

  /** Another command runs: the latest reply's menu (a confirmation) is no longer answered by a key. */
  dropReply(): void {
    this.reply = null;
  }

  /** A choice on `menu` is being acted on: it closes, and so does a reply's menu left open. */
  answered(menu: Menu): void {
    const index = this.nudges.indexOf(menu);
    if (index >= 0) this.nudges.splice(index, 1);
    this.reply = null;
  }

  /**
   * The menu a typed key goes to. `seen` is true when it is the menu the member last saw; otherwise it is
   * the menu to show before anything is answered: the open reply's, else the latest nudge.
   */
  target(): { menu: Menu; seen: boolean } | null {
    if (this.lastShown && this.isOpen(this.lastShown)) return { menu: this.lastShown, seen: true };
    const next = this.reply ?? this.nudges[this.nudges.length - 1];
    return next ? { menu: next, seen: false } : null;
  }

  /** The open confirmation (a reply whose choices have roles), which a typed yes or no answers. */
  confirmation(): Menu | null {
    return this.reply?.choices.some((choice) => choice.role) ? this.reply : null;
  }

  private isOpen(menu: Menu): boolean {
    return menu === this.reply || this.nudges.includes(menu);
  }
}
