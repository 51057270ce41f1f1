import {
  loadProcessorsConfig,
  REPLAYABLE,
  replayProjection,
  type ReplayProgress,
} from '@carestream/processors';
import cliProgress from 'cli-progress';
import { Argument, Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { SERVICE_VARIABLES, withStackServices } from '../local-stack.ts';

/**
 * `carestream replay <projection>`: rebuilds a projection from the start of the Kafka log into a fresh
 * generation and swaps it in atomically; queries keep reading the live one until the swap.
 */
export function replayCommand(io: CliIo): Command {
  return new Command('replay')
    .description(
      'rebuild a projection (sla: figures, backlog and churn signals) from the start of the log and swap it in atomically',
    )
    .addArgument(new Argument('<projection>', 'which projection').choices(REPLAYABLE))
    .option('--no-progress', 'print a summary line only')
    .action(async (projection: (typeof REPLAYABLE)[number], options: { progress: boolean }) => {
      const env = await withStackServices(io.env, SERVICE_VARIABLES);
      const config = loadProcessorsConfig({ PROCESSORS: 'sla', ...env });
      const showBar = options.progress && io.stdout.isTTY === true;
      const bar = showBar
        ? new cliProgress.SingleBar(
            {
              format: `replay ${projection} [{bar}] {percentage}% | {value}/{total} events | {eta_formatted} left`,
              stream: io.stdout,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      let started = false;
      const onProgress = (progress: ReplayProgress) => {
        if (!bar) return;
        if (!started) {
          bar.start(progress.total, progress.applied);
          started = true;
        } else bar.update(progress.applied);
      };
      const result = await replayProjection(config, projection, { onProgress });
      bar?.stop();
      const rate = result.seconds > 0 ? Math.round(result.events / result.seconds) : result.events;
      io.stdout.write(
        `replayed ${projection}: ${result.events} events into ${result.schema} in ${result.seconds.toFixed(1)} s (${rate} events/s); ` +
          `now active (was ${result.previousSchema}, kept for inspection)\n`,
      );
    });
}
