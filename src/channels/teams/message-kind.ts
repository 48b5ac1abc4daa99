/**
 * What kind of interaction a chat message most likely records, for pre-filling "Log to partner": a call,
 * a meeting, or (when nothing says so) a note. A guess the member sees and can change before logging.
 */
export type GuessedKind = 'call' | 'meeting' | 'note';

const CALL = /\b(call(?:s|ed|ing)?|phoned?|phone call|rang|dial(?:l?ed)?|voicemail|teams call|zoom call)\b/i;
const MEETING =
  /\b(meet(?:s|ing|ings)?|met|lunch(?:ed)?|dinner|breakfast|coffee|visit(?:ed)?|workshop|in person|face to face|on site|onsite)\b/i;

export function guessMessageKind(text: string): GuessedKind {
  const call = CALL.exec(text);
  const meeting = MEETING.exec(text);
  // "Met them, then a follow-up call": the first one said is what happened.
  if (call && meeting) return call.index <= meeting.index ? 'call' : 'meeting';
  if (call) return 'call';
  if (meeting) return 'meeting';
  return 'note';
}
