/**
 * The command grammar shared by every channel: `/partner …` on Slack, `partner …` (prefix optional) in
 * Teams and the terminal. Parsing is pure; names may be quoted ("Renault Group") or, where the rest of
 * the line is unambiguous, typed without quotes.
 */

/** Limits, in characters. Slack's plain-text inputs stop at 3,000; a note of 2,000 leaves room for the rest. */
export const LIMITS = {
  commandText: 4000,
  partnerName: 80,
  note: 2000,
} as const;

import { PLAYBOOK_AND_PRIVACY_COMMANDS } from './playbook-grammar';

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  examples: string[];
}

/** Every command with its usage, in the order `help` lists them. */
export const COMMANDS: CommandSpec[] = [
  {
    name: 'help',
    usage: 'help [COMMAND]',
    summary: 'Show the commands, or the details of one.',
    examples: ['help', 'help log'],
  },
  {
    name: 'add',
    usage: 'add NAME [STAGE]',
    summary: 'Add a partner you own. STAGE: exploring (default), negotiating, signed, ended.',
    examples: ['add Nissan', 'add "Renault Group" negotiating'],
  },
  {
    name: 'log',
    usage: 'log NAME KIND [DATE] [NOTE…]',
    summary:
      'Log an interaction. KIND: meeting, call, visit (you went to them), hosted (they came to you), workshop, ' +
      'observation, alignment, checkin, milestone, note. DATE (default today): 2026-11-20, yesterday, 3 days ago, ' +
      'last tuesday, 20 Nov, on the 12th — never a day still to come.',
    examples: [
      'log Nissan visit yesterday Toured the Yokohama plant',
      'log "Renault Group" workshop 20 Nov',
      'log Nissan call 3 days ago Pricing questions',
    ],
  },
  {
    name: 'signed',
    usage: 'signed NAME [DATE]',
    summary:
      'Record the signature (moves the partner to the signed stage and starts the post-signing check-ins).',
    examples: ['signed Nissan', 'signed Nissan 2026-10-27', 'signed Nissan 27 Oct'],
  },
  {
    name: 'observe',
    usage: 'observe NAME [DATE] NOTE…',
    summary: 'Log a cultural observation (today, unless a date comes first).',
    examples: [
      'observe Nissan Decisions are prepared by consensus before the meeting (nemawashi)',
      'observe Nissan yesterday They bow when they greet',
    ],
  },
  {
    name: 'plan',
    usage: 'plan NAME KIND DATE [NOTE…]',
    summary:
      'Plan a visit, workshop or meeting. KIND: visit, hosted, workshop, alignment, meeting, call. DATE: 14 Dec, ' +
      'next friday, 2026-12-14 — today or later. You get a brief the working day before and are asked the working ' +
      'day after whether it happened. Planning the same kind again moves it.',
    examples: [
      'plan Nissan visit 14 Dec Plant tour with their purchasing team',
      'plan "Renault Group" workshop next friday',
    ],
  },
  {
    name: 'stage',
    usage: 'stage NAME STAGE',
    summary: 'Move a partner to another stage: exploring, negotiating, signed, ended.',
    examples: ['stage Nissan negotiating'],
  },
  {
    name: 'set',
    usage: 'set NAME country CODE | set NAME tz ZONE',
    summary:
      'Where a partner is: their country (a two-letter ISO code such as JP, DE, US; a country with one time zone ' +
      'sets it too) or their time zone (an IANA name). Status shows their time now, and suggestions to meet or ' +
      'call name their public holidays. `none` clears it.',
    examples: ['set Nissan country JP', 'set "Renault Group" tz Europe/Paris', 'set Nissan country none'],
  },
  {
    name: 'list',
    usage: 'list',
    summary: 'Your partners, what needs attention first: health, stage, last contact and what comes next.',
    examples: ['list'],
  },
  {
    name: 'status',
    usage: 'status NAME',
    summary:
      'Where one relationship stands: health with its reasons and next step, touches per month, recent interactions ' +
      '(numbered for `edit` and `delete`, 1 the most recent), check-ins, next nudges.',
    examples: ['status Nissan'],
  },
  {
    name: 'brief',
    usage: 'brief NAME',
    summary: 'Read before you meet them: cultural observations, last interactions and notes, the last pulse.',
    examples: ['brief Nissan', 'brief "Renault Group"'],
  },
  {
    name: 'preview',
    usage: 'preview NAME [DAYS]',
    summary:
      'The nudges the playbook will send about a partner over the coming days (default 30, at most 365).',
    examples: ['preview Nissan', 'preview Nissan 90'],
  },
  {
    name: 'export',
    usage: 'export [csv|json]',
    summary:
      "The workspace's partners, interactions and answers as files: CSV (default, one per table) or JSON.",
    examples: ['export', 'export json'],
  },
  {
    name: 'snooze',
    usage: 'snooze NAME DURATION',
    summary:
      "Hold a partner's open nudges for a while, e.g. 3d or 1w (the playbook's cadence is not shifted).",
    examples: ['snooze Nissan 1w'],
  },
  {
    name: 'nudges',
    usage: 'nudges',
    summary:
      'What is waiting for you: your open nudges, what matters most first, each with its answers, snooze and dismiss ' +
      '(also after a restart, or when a message scrolled away).',
    examples: ['nudges'],
  },
  {
    name: 'pause',
    usage: 'pause DURATION | pause off',
    summary: 'Hold all your nudges, e.g. for holidays: pause 2w. `pause off` resumes.',
    examples: ['pause 2w', 'pause off'],
  },
  {
    name: 'prefs',
    usage: 'prefs [tz ZONE | hours HH:MM-HH:MM | days mon-fri | country CODE | digest on|off]',
    summary:
      'Show or set your time zone, working hours and working days (nudges arrive only then), and the weekly digest. ' +
      'A zone you set stays until `prefs tz auto`, which follows your Slack or Teams profile again. ' +
      "`prefs country GB` says whose public holidays are your days off (by default your time zone's country; " +
      'a region such as GB-SCT works too; `prefs country auto` goes back).',
    examples: [
      'prefs',
      'prefs tz Asia/Tokyo',
      'prefs tz auto',
      'prefs hours 08:30-17:30',
      'prefs days sun-thu',
      'prefs country GB',
      'prefs digest off',
    ],
  },
  {
    name: 'remove',
    usage: 'remove NAME',
    summary:
      'Delete a partner with everything logged about it: interactions, nudges, answers. Asks you to confirm first; ' +
      'it cannot be undone.',
    examples: ['remove Nissan', 'remove "Renault Group"'],
  },
  {
    name: 'edit',
    usage: 'edit NAME N [date DATE] [kind KIND] [rating 1-5|none] [note NOTE…]',
    summary:
      'Correct interaction number N of `status NAME` (1 is the most recent): say what changes, one or more of ' +
      'date, kind, rating, note (the note comes last; `note -` removes it). Yours, or any one if you own the partner.',
    examples: [
      'edit Nissan 2 date 20 Nov',
      'edit Nissan 2 kind call',
      'edit Nissan 1 note Pricing and delivery dates',
      'edit "Renault Group" 3 kind visit date yesterday',
    ],
  },
  {
    name: 'delete',
    usage: 'delete NAME N',
    summary:
      'Delete interaction number N of `status NAME`, once you confirm. Yours, or any one if you own the partner. ' +
      '`undo` brings it back.',
    examples: ['delete Nissan 2'],
  },
  {
    name: 'undo',
    usage: 'undo',
    summary:
      'Take back your own last change of the last 24 hours and say what it was: a logged interaction or ' +
      'observation (a log form too), an edit, a deletion, a signature with its milestone, a stage change, a ' +
      'rename, or an answer to a nudge with the check-in it recorded. Again: the change before it. ' +
      'Adding and removing partners, snoozes and dismissals are not undone.',
    examples: ['undo'],
  },
  {
    name: 'owners',
    usage: 'owners NAME [add @member ROLE | remove @member | lead @member]',
    summary:
      'Who owns a partner, as what, and who leads it; add a co-owner (they are told in their own chat), remove one ' +
      '(never the last), or choose the lead. ROLE: alliance-manager, executive-sponsor, sales, purchasing, it, ' +
      'legal, or a word of your own as other:WORD.',
    examples: [
      'owners Nissan',
      'owners Nissan add @aiko sales',
      'owners Nissan remove @ben',
      'owners Nissan lead @aiko',
    ],
  },
  {
    name: 'handover',
    usage: 'handover NAME @member [NOTE…]',
    summary:
      'Hand your ownership of a partner (and the lead, if yours) to a colleague; your note goes to them with where ' +
      'the relationship stands, and your nudges about it stop.',
    examples: ['handover Nissan @ben Their CTO prefers calls on Tuesdays'],
  },
  {
    name: 'rename',
    usage: 'rename NAME NEW-NAME',
    summary:
      'Give a partner a new name (owners only); its record and nudges stay. Names with spaces go in quotes.',
    examples: ['rename Nissan "Nissan Motor"', 'rename "Renault Group" Renault'],
  },
  ...PLAYBOOK_AND_PRIVACY_COMMANDS,
  {
    name: 'link',
    usage: 'link NAME',
    summary:
      'Typed in a channel (Slack, or a Teams team channel): the channel belongs to that partner, one partner per ' +
      'channel. There, `log call …` needs no name and the log shortcut picks the partner. Owners may have the ' +
      "partner's nudges and weekly status posted there: `prefs NAME post-to-channel` (`prefs NAME post-to-dm` undoes it).",
    examples: ['link Nissan', 'prefs Nissan post-to-channel'],
  },
  {
    name: 'unlink',
    usage: 'unlink',
    summary:
      'Typed in a linked channel: it no longer belongs to its partner (nudges go to the owners again).',
    examples: ['unlink'],
  },
  {
    name: 'promise',
    usage: 'promise NAME "WHAT" by DATE',
    summary:
      'Record a promise we made to a partner (quotes optional when the last `by` starts the date). You are reminded ' +
      'working days before and on the day, to say whether it was kept, late, broken or moved.',
    examples: [
      'promise Nissan "send the pricing model" by friday',
      'promise Nissan send the pricing model by 14 Dec',
    ],
  },
  {
    name: 'they-promise',
    usage: 'they-promise NAME "WHAT" by DATE',
    summary: 'Record a promise a partner made to us; reminded like ours.',
    examples: ['they-promise Nissan "share the plant audit" by 2026-12-18'],
  },
  {
    name: 'promises',
    usage: 'promises [NAME]',
    summary: 'Open promises, ours and theirs, overdue first, each with Kept, Late, Broken and Moved.',
    examples: ['promises', 'promises Nissan'],
  },
  {
    name: 'promise-moved',
    usage: 'promise-moved ID DATE | promise-kept ID | promise-late ID | promise-broken ID',
    summary:
      'Settle promise number ID (as `promises` shows it): kept on time, late, broken, or moved to a new day ' +
      '(remembered, and reminded again before it).',
    examples: ['promise-moved 7 next friday', 'promise-kept 7'],
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export type TokenizeResult = { ok: true; tokens: string[]; quoted: boolean[] } | { ok: false; error: string };

/**
 * Splits a line into words; double quotes (straight or curly, as phones type them) group words, and so
 * do single quotes around a whole group ('Renault Group'). An apostrophe inside or at the start of a
 * word with no closing quote later (don't, ’til) is just a character. Inside double quotes, `\"` and
 * `\\` stand for `"` and `\`, so that any name can be written as one word (see `quoteName`); a
 * backslash before anything else is just a character. `quoted` marks grouped words.
 */
export function tokenize(text: string): TokenizeResult {
  const normalized = text.replace(/[\u201C\u201D\u201E]/g, '"').replace(/[\u2018\u2019]/g, "'");
  const tokens: string[] = [];
  const quoted: boolean[] = [];
  let current = '';
  let quote: string | null = null;
  let inToken = false;
  let wasQuoted = false;
  const chars = [...normalized];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (quote) {
      const next = chars[i + 1];
      if (quote === '"' && char === '\\' && (next === '"' || next === '\\')) {
        current += next;
        i++;
      } else if (char === quote) quote = null;
      else current += char;
      continue;
    }
    if (!inToken && (char === '"' || (char === "'" && closesLater(chars, i)))) {
      quote = char;
      inToken = true;
      wasQuoted = true;
      continue;
    }
    if (/\s/.test(char)) {
      if (inToken) {
        tokens.push(current);
        quoted.push(wasQuoted);
      }
      current = '';
      inToken = false;
      wasQuoted = false;
      continue;
    }
    current += char;
    inToken = true;
  }
  if (quote) return { ok: false, error: `A quote (${quote}) is not closed.` };
  if (inToken) {
    tokens.push(current);
    quoted.push(wasQuoted);
  }
  return { ok: true, tokens, quoted };
}

/** Whether a single quote at `start` is closed by another one that ends a word. */
function closesLater(chars: string[], start: number): boolean {
  for (let i = start + 1; i < chars.length; i++) {
    if (chars[i] === "'" && (i + 1 === chars.length || /\s/.test(chars[i + 1]!))) return true;
  }
  return false;
}

/** Removes a leading `partner` or `/partner` so the same text works everywhere. */
export function stripCommandPrefix(tokens: string[]): string[] {
  const first = tokens[0]?.toLowerCase();
  return first === 'partner' || first === '/partner' ? tokens.slice(1) : tokens;
}

/** Levenshtein distance, for "did you mean …" suggestions. */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** Up to `max` candidates close to `input`: same prefix, containment, or a small edit distance. */
export function suggest(input: string, candidates: string[], max = 3): string[] {
  const needle = input.toLowerCase();
  if (!needle) return [];
  const scored = candidates
    .map((candidate) => {
      const hay = candidate.toLowerCase();
      let score = editDistance(needle, hay);
      if (hay.startsWith(needle) || needle.startsWith(hay)) score = Math.min(score, 1);
      // One letter inside a word is no hint (a stray `y` is not `playbook`, nor `they-promise`).
      else if (needle.length > 1 && (hay.includes(needle) || needle.includes(hay)))
        score = Math.min(score, 2);
      return { candidate, score };
    })
    .filter(({ candidate, score }) => score <= Math.max(2, Math.floor(candidate.length / 3)))
    .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate));
  return scored.slice(0, max).map(({ candidate }) => candidate);
}
