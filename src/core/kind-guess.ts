/**
 * Guesses what kind of interaction a chat message records, for a log form pre-filled from it: a call, a
 * meeting, or (when nothing says) a note. A guess only: the member sees it in the form and may change it.
 */
import type { InteractionKind } from './model';

/** Kinds a message can be guessed to be. */
export type GuessedKind = Extract<InteractionKind, 'call' | 'meeting' | 'note'>;

/** Word stems that say a call happened (matched at the start of a word, any case). */
const CALL_WORDS = [
  'call',
  'called',
  'calling',
  'dialled',
  'dialed',
  'phoned',
  'phone',
  'rang',
  'zoom',
  'teams call',
  'video call',
];
/** Words that say people met. */
const MEETING_WORDS = [
  'met',
  'meet',
  'meeting',
  'meetings',
  'lunch',
  'dinner',
  'breakfast',
  'coffee',
  'visit',
  'visited',
  'visiting',
  'on site',
  'onsite',
];

function mentions(text: string, words: readonly string[]): number {
  let first = -1;
  for (const word of words) {
    const match = new RegExp(`(?<![\\p{L}\\p{N}])${word.replace(/ /g, '\\s+')}(?![\\p{L}\\p{N}])`, 'iu').exec(
      text,
    );
    if (match && (first === -1 || match.index < first)) first = match.index;
  }
  return first;
}

/**
 * The kind a message most likely records: `call` when it speaks of a call ("call", "dialled", "zoom"),
 * `meeting` when of meeting in person ("met", "meeting", "lunch", "visit"); when it speaks of both, the one
 * it names first; otherwise `note`.
 */
export function guessKind(text: string): GuessedKind {
  const call = mentions(text, CALL_WORDS);
  const meeting = mentions(text, MEETING_WORDS);
  if (call === -1 && meeting === -1) return 'note';
  if (call === -1) return 'meeting';
  if (meeting === -1) return 'call';
  return call <= meeting ? 'call' : 'meeting';
}
