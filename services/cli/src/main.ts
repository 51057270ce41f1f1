// Composition root of the `carestream` command: process streams, environment, signals and exit codes.
import type { CliIo } from './cli-io.ts';
import { buildProgram } from './program.ts';

const io: CliIo = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  interruptSignal: () => {
    const controller = new AbortController();
    process.once('SIGINT', () => {
      process.stderr.write('\nstopping after the batch in flight (Ctrl-C again to quit at once)\n');
      controller.abort();
      process.once('SIGINT', () => process.exit(130));
    });
    return controller.signal;
  },
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

try {
  await buildProgram(io).parseAsync(process.argv);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`carestream: ${message}\n`);
  process.exitCode = 1;
}
