import { Command } from 'commander';
import type { CliIo } from './cli-io.ts';
import { eraseCommand } from './commands/erase-command.ts';
import { importCommand } from './commands/import-command.ts';
import { keysCommand } from './commands/keys-command.ts';
import { simulateCommand } from './commands/simulate-command.ts';
import { replayCommand } from './commands/replay-command.ts';

/**
 * The `carestream` program. Each subcommand lives in src/commands/ and takes the process's io from here;
 * `replay` and `simulate` will join them the same way.
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command('carestream')
    .description('carestream command-line tool: bulk import, API keys, replay, erasure')
    .showHelpAfterError()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  program.addCommand(importCommand(io));
  program.addCommand(keysCommand(io));
  program.addCommand(simulateCommand(io));
  program.addCommand(replayCommand(io));
  program.addCommand(eraseCommand(io));
  return program;
}
