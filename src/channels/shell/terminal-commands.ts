/**
 * Commands that exist only in the terminal chat, with their help: the core's help lists the commands of
 * every channel, and the terminal adds these in a section of their own.
 */
import type { CommandSpec } from '../../core/commands/grammar';
import type { Message } from '../../core/messages';
import { commandLine } from '../../core/views';

export const TERMINAL_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'tick',
    usage: 'tick [DATE | now]',
    summary:
      "Run the scheduler as of DATE (10:00 your time, or an ISO-8601 instant) and move this chat's clock " +
      'there: every later command, button and pass uses that time, which runs on from then. `tick` alone runs ' +
      "a pass at the chat's time; `tick now` goes back to the real clock.",
    examples: ['tick', 'tick 2026-12-14', 'tick 2026-12-14T09:00:00Z', 'tick now'],
  },
  {
    name: 'quit',
    usage: 'quit',
    summary: 'Leave the chat (`exit`, or Ctrl-D on an empty line, does the same). Everything is kept.',
    examples: ['quit'],
  },
];

export function findTerminalCommand(name: string): CommandSpec | undefined {
  return TERMINAL_COMMANDS.find((command) => command.name === name.toLowerCase());
}

/** The core's help list with the terminal's own commands added in a section of their own. */
export function withTerminalCommands(help: Message): Message {
  return {
    ...help,
    sections: [
      ...(help.sections ?? []),
      { title: 'In the terminal', lines: TERMINAL_COMMANDS.map(commandLine) },
    ],
  };
}
