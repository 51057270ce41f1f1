import { CareError } from '@carestream/errors';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { apiKeyFor } from '../local-stack.ts';
import {
  formatSimulateSummary,
  runSimulation,
  SIMULATE_MODES,
  type SimulateMode,
  type SimulateSummary,
} from '../simulate/simulator-run.ts';
import { EXIT_INTERRUPTED, integer } from './option-parsers.ts';

interface SimulateCommandOptions {
  seed: number;
  brands: number;
  mode: SimulateMode;
  rate: number;
  events?: number;
  duration?: number;
  start?: number;
  days: number;
  url: string;
  key?: string;
  truth?: string;
  batchSize: number;
  maxRetries: number;
  timeout: number;
  progress: boolean;
}

const positive = (max: number) => (raw: string) => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > max)
    throw new InvalidArgumentError(`must be a number above 0 and at most ${max}`);
  return value;
};

const timestamp = (raw: string) => {
  const value = Date.parse(raw);
  if (Number.isNaN(value))
    throw new InvalidArgumentError('must be an ISO 8601 date-time, e.g. 2026-03-01T00:00:00Z');
  return value;
};

/**
 * `carestream simulate`: brands across industries, customers and agents, with traffic calibrated on the
 * published figures (packages/simulator/README.md), sent through the ingest service.
 */
export function simulateCommand(io: CliIo): Command {
  const defaultUrl = `http://127.0.0.1:${io.env.INGEST_PORT || '8080'}`;
  return new Command('simulate')
    .description(
      'send simulated, calibrated social care traffic (brand profiles, mentions, replies, brand posts) to the ingest service',
    )
    .option('--seed <n>', 'the same seed sends the same traffic', integer(0, 2 ** 32 - 1), 1)
    .option('--brands <n>', 'how many brands, dealt across industries', integer(1, 10_000), 30)
    .addOption(
      new Option(
        '--mode <mode>',
        'realtime: event time is now, paced at --rate; fast: from --start as fast as ingest takes it, then ' +
          'paced once it catches up with now; backfill: --days of history ending now, as fast as possible',
      )
        .choices(SIMULATE_MODES)
        .default('realtime'),
    )
    .option('--rate <eventsPerSecond>', 'events per second of event time', positive(1_000_000), 20)
    .option('--events <n>', 'stop after this many events', integer(1, Number.MAX_SAFE_INTEGER))
    .option('--duration <seconds>', 'stop after this many seconds', positive(365 * 86_400))
    .option('--start <iso>', 'fast mode: the first event time (default: a day ago)', timestamp)
    .option(
      '--days <n>',
      'backfill: days of history ending now (with --events, spread over them)',
      positive(365),
      1,
    )
    .option('--url <url>', 'the ingest service', defaultUrl)
    .option(
      '--key <apiKey>',
      "an admin API key (default: CARESTREAM_ADMIN_KEY, then CARESTREAM_API_KEY, then the local stack's admin key)",
    )
    .option('--truth <file>', 'write the exact ground truth of what was sent (JSON) to this file at the end')
    .option('--batch-size <n>', 'events per request', integer(1, 10_000), 500)
    .option('--max-retries <n>', 'retries of a batch on 503, 429 or a network error', integer(0, 1000), 8)
    .option('--timeout <seconds>', 'how long to wait for an answer to one batch', integer(1, 3600), 120)
    .option('--no-progress', 'no progress lines')
    .action(async (options: SimulateCommandOptions) => {
      const apiKey = await apiKeyFor(
        options.key,
        io.env,
        ['CARESTREAM_ADMIN_KEY', 'CARESTREAM_API_KEY'],
        'pass --key or set CARESTREAM_ADMIN_KEY (the simulated brands need an admin key)',
      );
      if (options.start !== undefined && options.mode !== 'fast') {
        throw new CareError('CARE_ERR_VALIDATION', '--start applies to --mode fast only', { field: 'start' });
      }
      const summary: SimulateSummary = await runSimulation(
        {
          seed: options.seed,
          brands: options.brands,
          mode: options.mode,
          rate: options.rate,
          events: options.events,
          durationSeconds: options.duration,
          startMs: options.start,
          days: options.days,
          url: options.url,
          apiKey,
          truthFile: options.truth,
          batchSize: options.batchSize,
          maxRetries: options.maxRetries,
          timeoutMs: options.timeout * 1000,
          progress: options.progress,
        },
        {
          stdout: io.stdout,
          stderr: io.stderr,
          ...(io.clock ? { clock: io.clock } : {}),
          ...(io.interruptSignal ? { signal: io.interruptSignal() } : {}),
        },
      );
      io.stdout.write(`${formatSimulateSummary(summary)}\n`);
      if (summary.stoppedBecause === 'interrupted') io.setExitCode?.(EXIT_INTERRUPTED);
    });
}
