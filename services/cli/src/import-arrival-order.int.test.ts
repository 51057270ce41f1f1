// `carestream import` in any file order: the arrival-order history (45 days, 30 brands) written as
// mentions.ndjson and replies.csv, imported mentions first and replies weeks later in event time, folded by the
// real processors: the figures are the exact ground truth, as for a time-ordered feed of the same events.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka } from '@carestream/kafka';
import { createPool, type Pool } from '@carestream/postgres';
import {
  activeSchema,
  loadProcessorsConfig,
  startProcessors,
  storedOffsets,
  topicEnds,
  type ProcessorsRuntime,
} from '@carestream/processors';
import { toIngestItem } from '@carestream/simulator';
import { testServices, uniqueName } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brands,
  brandTruth,
  HISTORY_END,
  HORIZON_MS,
  HOUR,
  profiles,
  timeOrdered,
  truth,
} from '../../../test/e2e/arrival-order-history.ts';
import { CapturedOutput } from './captured-output.fixture.ts';
import { buildProgram } from './program.ts';
import { startTestIngest, type TestIngest } from './test-ingest.fixture.ts';

const ADMIN_KEY = 'cli-arrival-order-admin-key-0123456789';

/** RFC 4180: a cell with a comma, quote or line break is quoted, its quotes doubled. */
const csvCell = (value: unknown): string => {
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'string'
        ? value
        : typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

function toCsv(items: readonly Record<string, unknown>[]): string {
  const columns = [...new Set(items.flatMap((item) => Object.keys(item)))];
  const rows = items.map((item) => columns.map((column) => csvCell(item[column])).join(','));
  return `${[columns.join(','), ...rows].join('\n')}\n`;
}

describe('carestream import: mentions.ndjson, then replies.csv', () => {
  let ingest: TestIngest;
  let processors: ProcessorsRuntime;
  let pool: Pool;
  let directory: string;

  beforeAll(async () => {
    ingest = await startTestIngest({ CARESTREAM_ADMIN_KEY: ADMIN_KEY });
    const services = testServices();
    processors = await startProcessors(
      loadProcessorsConfig({
        KAFKA_BROKERS: services.kafkaBrokers,
        SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
        DATABASE_URL: ingest.database.url,
        CARESTREAM_TOPIC_PREFIX: ingest.prefix,
        CARESTREAM_PARTITIONS: '3',
        CARESTREAM_GROUP_PREFIX: uniqueName('cli-group'),
        CARESTREAM_ANSWER_HORIZON_HOURS: String(HORIZON_MS / HOUR),
        PROCESSORS_PORT: '0',
        BENCHMARK_REFRESH_SECONDS: '3600',
        PROCESSORS_SESSION_TIMEOUT_MS: '10000',
      }),
    );
    pool = createPool({ connectionString: ingest.database.url, max: 2 });
    directory = await mkdtemp(join(tmpdir(), 'cs-import-order-'));
  });

  afterAll(async () => {
    await processors?.close();
    await pool?.end();
    await ingest?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  /** Runs `carestream import <file>` in-process; returns what it printed. */
  async function carestreamImport(file: string): Promise<string> {
    const stdout = new CapturedOutput();
    const stderr = new CapturedOutput();
    await buildProgram({ env: {}, stdout, stderr }).parseAsync(
      ['import', file, '--url', ingest.url, '--key', ADMIN_KEY, '--no-progress'],
      { from: 'user' },
    );
    expect(stderr.text).toBe('');
    return stdout.text;
  }

  /** Resolves when the SLA processor has applied everything on the interactions and profiles topics. */
  async function waitForSla(timeoutMs = 600_000): Promise<void> {
    const admin = createKafka({ brokers: testServices().kafkaBrokers, clientId: 'cli-catch-up' }).admin();
    await admin.connect();
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const stored = await storedOffsets(pool, await activeSchema(pool, 'sla'), 'sla');
        const ends = await topicEnds(admin, [ingest.names.interactions, ingest.names.brandProfiles]);
        const pending = [...ends].filter(([id, end]) => end > (stored.get(id) ?? 0)).map(([id]) => id);
        if (pending.length === 0) return;
        if (Date.now() > deadline)
          throw new Error(`the SLA processor did not catch up: ${pending.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await admin.disconnect();
    }
  }

  it('folds the replies imported after every mention into the exact figures of a time-ordered feed', async () => {
    const mentions = timeOrdered.filter((event) => event.type === 'MentionReceived');
    const replies = timeOrdered.filter((event) => event.type === 'ReplySent');
    const profilesFile = join(directory, 'profiles.ndjson');
    const mentionsFile = join(directory, 'mentions.ndjson');
    const repliesFile = join(directory, 'replies.csv');
    await writeFile(profilesFile, profiles.map((p) => `${JSON.stringify(toIngestItem(p))}\n`).join(''));
    await writeFile(mentionsFile, mentions.map((m) => `${JSON.stringify(toIngestItem(m))}\n`).join(''));
    await writeFile(repliesFile, toCsv(replies.map(toIngestItem)));

    const started = performance.now();
    expect(await carestreamImport(profilesFile)).toMatch(/: 30 accepted, 0 duplicates, 0 rejected/);
    expect(await carestreamImport(mentionsFile)).toMatch(
      new RegExp(`: ${mentions.length.toLocaleString('en-US')} accepted, 0 duplicates, 0 rejected`),
    );
    // Every mention is folded before the first reply arrives: each partition's watermark is at the end already.
    await waitForSla();
    const mentionsSeconds = (performance.now() - started) / 1000;
    const schema = await activeSchema(pool, 'sla');
    const watermarks = async () =>
      (
        await pool.query<{ ms: number }>(
          `select (extract(epoch from watermark) * 1000)::float8 as ms from ${schema}.watermarks
            where topic = $1 order by partition`,
          [ingest.names.interactions],
        )
      ).rows.map((row) => row.ms);
    expect(await watermarks()).toEqual([HISTORY_END, HISTORY_END, HISTORY_END]);
    // The hard case: most replies, and answers among them, are more than a horizon behind that watermark.
    const farBehind = new Set(
      replies.filter((reply) => reply.sentAt < HISTORY_END - HORIZON_MS).map((r) => r.eventId),
    );
    expect(farBehind.size).toBeGreaterThan(replies.length / 2);
    expect(
      [...truth.mentionStatus.values()].filter((s) => s.replyEventId && farBehind.has(s.replyEventId)).length,
    ).toBeGreaterThan(50);

    expect(await carestreamImport(repliesFile)).toMatch(
      new RegExp(`: ${replies.length.toLocaleString('en-US')} accepted, 0 duplicates, 0 rejected`),
    );
    await waitForSla();
    const seconds = (performance.now() - started) / 1000;
    console.info(
      `carestream import: ${profiles.length} profiles, ${mentions.length} mentions (ndjson), then ` +
        `${replies.length} replies (csv); mentions folded at ${mentionsSeconds.toFixed(1)}s, all at ${seconds.toFixed(1)}s`,
    );
    expect(await watermarks()).toEqual([HISTORY_END, HISTORY_END, HISTORY_END]);

    const { rows: counted } = await pool.query<{
      brand_id: string;
      needing_response: number;
      answered: number;
      expired: number;
      human_replies: number;
      automated_replies: number;
    }>(
      `select brand_id, sum(needing_response)::int as needing_response, sum(answered)::int as answered,
              sum(expired)::int as expired, sum(human_replies)::int as human_replies,
              sum(automated_replies)::int as automated_replies
         from ${schema}.sla_buckets group by brand_id`,
    );
    const { rows: open } = await pool.query<{ brand_id: string; open: number }>(
      `select brand_id, count(*)::int as open from ${schema}.open_mentions group by brand_id`,
    );
    const { rows: unplaced } = await pool.query<{ n: number }>(
      `select coalesce(sum(events), 0)::int as n from ${schema}.unplaced_events`,
    );
    expect(unplaced[0]?.n).toBe(0);
    let answered = 0;
    for (const brand of brands) {
      const brandId = brand.profile.brandId;
      const row = counted.find((r) => r.brand_id === brandId);
      const expected = brandTruth(brandId).counts;
      answered += expected.answered;
      expect(
        {
          needingResponse: row?.needing_response ?? 0,
          answered: row?.answered ?? 0,
          expired: row?.expired ?? 0,
          open: open.find((r) => r.brand_id === brandId)?.open ?? 0,
          humanReplies: row?.human_replies ?? 0,
          automatedReplies: row?.automated_replies ?? 0,
        },
        brandId,
      ).toEqual({
        needingResponse: expected.needingResponse,
        answered: expected.answered,
        expired: expected.expired,
        open: expected.open,
        humanReplies: expected.humanReplies,
        automatedReplies: expected.automatedReplies,
      });
    }
    expect(answered).toBeGreaterThan(100);
  }, 900_000);
});
