// What keeping personal data out of the log costs per event (docs/architecture.md, "Personal data and erasure"):
//
//   node --import tsx bench/identity-cost.ts [--conversations 20000] [--batch 500] [--clients 4] [--seed 1]
//                                            [--erasures 0]
//
// Simulated traffic (@carestream/simulator, its customers coming back as they do in the calibrated figures) goes
// through ingest's IdentityVault in batches of `--batch` events, as POST /v1/events hands them to the publisher,
// `--clients` batches at a time on a pool of 5 connections (ingest's),
// against a scratch database of the local stack (DATABASE_URL: eval "$(npm run --silent stack -- env)"). Reported:
// events/s and milliseconds per batch for the two upserts; the bytes a mention grows by in Avro (references and
// the sealed text); the bytes author_identities keeps per author and per message (heap, index and TOAST).
// `--erasures N` logs N erasures (of authors the traffic never names) first: once any erasure exists, every batch
// looks its authors and messages up among them (their digests) before it stores anything.
import { parseArgs } from 'node:util';
import avro from 'avsc';
import {
  MENTION_RECEIVED_SCHEMA,
  toAvroRecord,
  type CareEvent,
  type MentionReceived,
} from '@carestream/contract';
import { ErasureLog, IdentityVault } from '@carestream/erasure';
import { createPool, migrate } from '@carestream/postgres';
import { generateScenario } from '@carestream/simulator';
import { createDatabase } from './isolation.ts';

const { values: args } = parseArgs({
  options: {
    conversations: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '500' },
    clients: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    erasures: { type: 'string', default: '0' },
  },
});
const conversations = Number(args.conversations);
const batchSize = Number(args.batch);
const clients = Number(args.clients);
const baseUrl = process.env.DATABASE_URL;
if (!baseUrl) throw new Error('needs DATABASE_URL: eval "$(npm run --silent stack -- env)" first');

const HOUR = 3_600_000;
const scenario = generateScenario({
  seed: Number(args.seed),
  conversations,
  brands: 30,
  startMs: Date.UTC(2026, 10, 1),
  spanMs: 7 * 24 * HOUR,
  horizonMs: 7 * 24 * HOUR,
  duplicateRate: 0.02,
});
// The simulator writes no texts: give each mention one of a typical length (a tweet, 120 characters).
const events: CareEvent[] = [
  ...scenario.profiles,
  ...scenario.events.map((event) =>
    event.type === 'MentionReceived' ? { ...event, text: `${event.eventId} `.padEnd(120, 'x') } : event,
  ),
];

const database = await createDatabase(baseUrl, 'identity_cost');
const pool = createPool({ connectionString: database.url, max: 5, applicationName: 'carestream-bench' });
try {
  await migrate(database.url);
  const log = new ErasureLog(pool);
  for (let i = 0; i < Number(args.erasures); i += 1)
    await log.erase(
      { kind: 'author', brandId: null, authorId: `gone-${i}` },
      { source: 'cli', requestedBy: null },
    );
  const vault = new IdentityVault(pool, log);
  const mentionType = avro.Type.forSchema(MENTION_RECEIVED_SCHEMA as avro.Schema);
  let clearBytes = 0;
  let sealedBytes = 0;
  const batchMs: number[] = [];
  const started = performance.now();
  const batches: CareEvent[][] = [];
  for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
  const sentBatches: CareEvent[][] = [];
  let next = 0;
  const client = async () => {
    for (let index = next++; index < batches.length; index = next++) {
      const t0 = performance.now();
      sentBatches[index] = await vault.pseudonymize(batches[index] ?? []);
      batchMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (performance.now() - started) / 1000;
  batches.forEach((batch, index) =>
    batch.forEach((event, k) => {
      if (event.type !== 'MentionReceived') return;
      clearBytes += mentionType.toBuffer(toAvroRecord(event)).length;
      sealedBytes += mentionType.toBuffer(toAvroRecord(sentBatches[index]?.[k] as MentionReceived)).length;
    }),
  );
  await pool.query('vacuum analyze author_identities');
  const { rows } = await pool.query<{ authors: number; messages: number; total: number }>(
    `select count(*) filter (where kind = 'author')::float8 as authors,
            count(*) filter (where kind = 'message')::float8 as messages,
            pg_total_relation_size('author_identities')::float8 as total
       from author_identities`,
  );
  const sizes = rows[0] ?? { authors: 0, messages: 0, total: 0 };
  const mentions = events.filter((event) => event.type === 'MentionReceived').length;
  const sorted = [...batchMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const result = {
    events: events.length,
    mentions,
    batchSize,
    clients,
    erasures: Number(args.erasures),
    eventsPerSecond: Math.round(events.length / seconds),
    microsecondsPerEvent: Math.round((seconds * 1e6) / events.length),
    batchMs: { p50: Number(at(0.5).toFixed(1)), p99: Number(at(0.99).toFixed(1)) },
    avroBytesPerMention: {
      clear: Math.round(clearBytes / mentions),
      pseudonymized: Math.round(sealedBytes / mentions),
    },
    identities: { authors: sizes.authors, messages: sizes.messages },
    bytesPerIdentityRow: Math.round(sizes.total / (sizes.authors + sizes.messages)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await pool.end();
  await database.drop();
}
