/** The greeting a member gets the first time Rapport meets them in a chat tool. */
import type { Member } from './model';
import type { Message } from './messages';
import { formatClock, formatWeekdays } from './time';

/** What Rapport will do, how to start, and when nudges will arrive. */
export function welcomeMessage(member: Member): Message {
  const hours = `${formatWeekdays(member.workingDays)}, ${formatClock(member.workStart)}–${formatClock(member.workEnd)}`;
  return {
    title: 'Welcome to Rapport',
    text:
      'I help you build your partnerships, not just sign them. Tell me who you work with and log what ' +
      'happens; I will nudge you, in your working hours, to visit them, note what you learn about their ' +
      'culture, design the collaboration together, align your own teams and keep checking in after signing.',
    facts: [
      { label: 'Start', value: '`partner add NAME`, e.g. `partner add Nissan`' },
      { label: 'Log', value: '`partner log Nissan visit today Met the plant team`' },
      { label: 'See', value: '`partner list`, `partner status Nissan`' },
      { label: 'Nudges', value: `${hours} (${member.timeZone})` },
    ],
    footer: 'Type `help` for every command; change your hours with `prefs`.',
  };
}
