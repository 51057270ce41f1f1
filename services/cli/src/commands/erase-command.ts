import { ErasureLog, parseErasureRequest, type ErasureRecord } from '@carestream/erasure';
import { CareError } from '@carestream/errors';
import { createPool, migrate } from '@carestream/postgres';
import { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { withStackServices } from '../local-stack.ts';

/**
 * `carestream erase author|message|show`: erasure requests, straight in PostgreSQL (DATABASE_URL, else the local
 * stack's), the same as `POST /v1/erasures` (docs/operations.md, "Erasure"). The audit log records them as `cli`.
 */
export function eraseCommand(io: CliIo): Command {
  const erase = new Command('erase').description(
    "erase an author's or a message's personal data from every answer, view and replay (talks to PostgreSQL)",
  );
  async function withErasureLog<T>(fn: (log: ErasureLog) => Promise<T>): Promise<T> {
    const { DATABASE_URL } = await withStackServices(io.env, ['DATABASE_URL']);
    await migrate(DATABASE_URL);
    const pool = createPool({ connectionString: DATABASE_URL, max: 1, applicationName: 'carestream-cli' });
    try {
      return await fn(new ErasureLog(pool, io.clock));
    } finally {
      await pool.end();
    }
  }
  const print = (record: ErasureRecord, json: boolean | undefined) =>
    io.stdout.write(json ? `${JSON.stringify(record)}\n` : `${describe(record)}\n`);
  const requestedBy = `cli:${io.env.USER ?? 'unknown user'}`;

  erase
    .command('author')
    .description('erase an author (customer): in one brand with --brand, else in every brand')
    .argument('<authorId>', 'the author id as the platform or your events gave it')
    .option('--brand <brandId>', 'only in this brand')
    .option('--json', 'print the audit record as JSON')
    .action(async (authorId: string, options: { brand?: string; json?: boolean }) => {
      // An empty --brand (an unset variable) is refused by the parser, never read as "every brand".
      const subject = parseErasureRequest({
        authorId,
        ...(options.brand !== undefined ? { brandId: options.brand } : {}),
      });
      print(await withErasureLog((log) => log.erase(subject, { source: 'cli', requestedBy })), options.json);
    });

  erase
    .command('message')
    .description("erase one message of a brand (its id and text); its author's other messages stay")
    .argument('<messageId>', "the mention's messageId")
    .requiredOption('--brand <brandId>', 'the brand the message was sent to')
    .option('--json', 'print the audit record as JSON')
    .action(async (messageId: string, options: { brand: string; json?: boolean }) => {
      const subject = parseErasureRequest({ brandId: options.brand, messageId });
      print(await withErasureLog((log) => log.erase(subject, { source: 'cli', requestedBy })), options.json);
    });

  erase
    .command('show')
    .description('show an erasure request from the audit log (never the erased values)')
    .argument('<erasureId>', 'the id erase or POST /v1/erasures printed')
    .option('--json', 'print the audit record as JSON')
    .action(async (erasureId: string, options: { json?: boolean }) => {
      const record = await withErasureLog((log) => log.find(erasureId));
      if (record === undefined) {
        throw new CareError('CARE_ERR_NOT_FOUND', `there is no erasure ${erasureId}`, { field: 'erasureId' });
      }
      print(record, options.json);
    });

  return erase;
}

function describe(record: ErasureRecord): string {
  const where = record.brandId === null ? 'every brand' : `brand ${record.brandId}`;
  return (
    `erasure ${record.erasureId} ${record.status} at ${record.completedAt} (${record.source}): ${record.subject} in ${where}; ` +
    `${record.authorsErased} author identit${record.authorsErased === 1 ? 'y' : 'ies'} and ` +
    `${record.messagesErased} message${record.messagesErased === 1 ? '' : 's'} erased`
  );
}
