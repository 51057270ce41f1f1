import { DAY_MS, DEFAULT_RETENTION_MS } from '@carestream/contract';
import { Command, Option } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { formatSummary, runImport, type ImportSummary } from '../import/importer.ts';
import type { ImportFormat } from '../import/checkpoint.ts';
import { apiKeyFor } from '../local-stack.ts';
import { EXIT_INTERRUPTED, integer } from './option-parsers.ts';

interface ImportCommandOptions {
  format?: ImportFormat;
  url: string;
  key?: string;
  batchSize: number;
  rejects?: string;
  resume?: boolean;
  maxRetries: number;
  progress: boolean;
  timeout: number;
}

// Said in the help because a history import is where files come one after another, and where old events come
// from, which ingest refuses.
const OLD_EVENTS_HELP = [
  '',
  'Files may come in any order: all the mentions, then all the replies, or one export',
  'per channel after another, give the same figures as a time-ordered feed, and an',
  'event imported twice counts once.',
  '',
  'Old events: ingest refuses an event older than its retention window',
  `(CARESTREAM_RETENTION_DAYS on the ingest service, ${DEFAULT_RETENTION_MS / DAY_MS} days by default); it goes`,
  'to the rejects file with its field (receivedAt, sentAt or publishedAt) and the',
  'cut-off date. Brand profiles are imported whatever their age.',
].join('\n');

/** `carestream import <file>`: bulk import of NDJSON or CSV through the ingest service. */
export function importCommand(io: CliIo): Command {
  const defaultUrl = `http://127.0.0.1:${io.env.INGEST_PORT || '8080'}`;
  return new Command('import')
    .description('import events from an NDJSON or CSV file through the ingest service, in batches, resumable')
    .argument('<file>', 'NDJSON (.ndjson, .jsonl: one event per line) or CSV with a header row (.csv)')
    .addOption(
      new Option('--format <format>', 'the file format (default: from the extension)').choices([
        'ndjson',
        'csv',
      ]),
    )
    .option('--url <url>', 'the ingest service', defaultUrl)
    .option(
      '--key <apiKey>',
      "a write or admin API key (default: CARESTREAM_API_KEY, then CARESTREAM_ADMIN_KEY, then the local stack's admin key)",
    )
    .option('--batch-size <n>', 'events per request', integer(1, 100_000), 1000)
    .option('--rejects <file>', 'where rejected lines go (default: <file>.rejects.ndjson)')
    .option('--resume', 'continue an interrupted import after its last acknowledged batch')
    .option('--max-retries <n>', 'retries of a batch on 503, 429 or a network error', integer(0, 1000), 8)
    .option('--timeout <seconds>', 'how long to wait for an answer to one batch', integer(1, 3600), 120)
    .option('--no-progress', 'no progress bar (there is none either when stdout is not a terminal)')
    .addHelpText('after', OLD_EVENTS_HELP)
    .action(async (file: string, options: ImportCommandOptions) => {
      const apiKey = await apiKeyFor(
        options.key,
        io.env,
        ['CARESTREAM_API_KEY', 'CARESTREAM_ADMIN_KEY'],
        'pass --key or set CARESTREAM_API_KEY (a write or admin key; see `carestream keys create`)',
      );
      const summary: ImportSummary = await runImport(
        {
          file,
          format: options.format,
          url: options.url,
          apiKey,
          batchSize: options.batchSize,
          rejectsFile: options.rejects,
          resume: options.resume === true,
          maxRetries: options.maxRetries,
          progress: options.progress,
          timeoutMs: options.timeout * 1000,
        },
        {
          stdout: io.stdout,
          stderr: io.stderr,
          ...(io.clock ? { clock: io.clock } : {}),
          ...(io.interruptSignal ? { signal: io.interruptSignal() } : {}),
        },
      );
      io.stdout.write(`${formatSummary(summary)}\n`);
      if (!summary.completed) io.setExitCode?.(EXIT_INTERRUPTED);
    });
}
