import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { generateApiKey } from '@carestream/api-keys';
import type { CareEvent, TopicNames } from '@carestream/contract';
import { createKafka, EventCodec } from '@carestream/kafka';
import { computeGroundTruth, ownAccountIdsOf, truthReport } from '@carestream/simulator';
import { testServices, uniqueName } from '@carestream/test-support';
import { clockCases } from '@carestream/test-support/fixed-clocks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.ts';
import { buildProgram } from './program.ts';
import { CapturedOutput } from './captured-output.fixture.ts';
import { startTestIngest, type TestIngest } from './test-ingest.fixture.ts';

interface TruthFile {
  seed: number;
  watermark: string;
  horizonSeconds: number;
  sent: { profiles: number; events: number; mentions: number; replies: number; brandPosts: number };
  brands: { brandId: string; industry: string }[];
  total: { needingResponse: number; answered: number; open: number; brandPosts: number };
  byBrandChannel: Record<string, unknown>[];
  byAgent: Record<string, unknown>[];
}

// The volume of a day's backfill depends on the weekday and hours it covers: run it on the real clock and on
// each fixed instant (ingest and the command share the clock, as they share the wall clock in production).
describe.each(clockCases())(
  'carestream simulate against the real ingest service and Kafka, on $name',
  ({ clock }) => {
    const services = testServices();
    const adminKey = generateApiKey().token;
    let ingest: TestIngest;
    let names: TopicNames;
    let url: string;
    let directory: string;

    beforeAll(async () => {
      ingest = await startTestIngest({ CARESTREAM_ADMIN_KEY: adminKey }, { clock });
      ({ url, names } = ingest);
      directory = await mkdtemp(join(tmpdir(), 'cs-simulate-'));
    });

    afterAll(async () => {
      await ingest?.close();
      if (directory) await rm(directory, { recursive: true, force: true });
    });

    /** Every event on the given topics, decoded, once at least `expectAtLeast` have arrived. */
    async function readTopics(topics: string[], expectAtLeast: number): Promise<CareEvent[]> {
      const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'cli-simulate-reader' });
      const codec = EventCodec.forDecoding(new SchemaRegistry({ host: services.schemaRegistryUrl }));
      const consumer = kafka.consumer({ groupId: uniqueName('cli-simulate') });
      const events: CareEvent[] = [];
      await consumer.connect();
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          events.push(await codec.decode(message.value));
        },
      });
      const deadline = Date.now() + 60_000;
      while (events.length < expectAtLeast && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 1000)); // and nothing more arrives
      await consumer.disconnect();
      return events;
    }

    it('backfills a day of 3,000 events, and its ground truth is what Kafka holds', async () => {
      const truthPath = join(directory, 'truth.json');
      const stdout = new CapturedOutput();
      const stderr = new CapturedOutput();
      const io: CliIo = { env: { CARESTREAM_ADMIN_KEY: adminKey }, stdout, stderr, clock };
      const started = clock();
      const startedReal = Date.now();
      await buildProgram(io).parseAsync(
        [
          'simulate',
          '--mode',
          'backfill',
          '--days',
          '1',
          '--events',
          '3000',
          '--seed',
          '7',
          '--truth',
          truthPath,
          '--url',
          url,
        ],
        { from: 'user' },
      );
      const seconds = (Date.now() - startedReal) / 1000;
      console.info(`simulate backfill: 3,000 events + 30 profiles in ${seconds.toFixed(2)}s`);
      expect(stderr.text).toBe('');
      expect(stdout.text).toMatch(
        /simulated 3,000 events for 30 brands \(seed 7, backfill\): 3,000 accepted, 0 duplicates, 0 rejected/,
      );
      expect(stdout.text).toMatch(/stopped: the event limit was reached/);

      const truth = JSON.parse(await readFile(truthPath, 'utf8')) as TruthFile;
      expect(truth.sent.events).toBe(3000);
      expect(truth.sent.mentions + truth.sent.replies + truth.sent.brandPosts).toBe(3000);
      expect(truth.total.needingResponse).toBeGreaterThan(300);
      expect(truth.total.answered).toBeGreaterThan(10);

      const stored = await readTopics([names.interactions, names.brandPosts, names.brandProfiles], 3030);
      const profiles = stored.filter((event) => event.type === 'BrandProfileSet');
      const traffic = stored.filter((event) => event.type !== 'BrandProfileSet');
      expect(profiles).toHaveLength(30);
      expect(traffic).toHaveLength(3000);
      expect(new Set(traffic.map((event) => event.eventId)).size).toBe(3000);
      // Nothing in the future, everything within the day.
      const times = traffic.map((event) =>
        event.type === 'MentionReceived'
          ? event.receivedAt
          : event.type === 'ReplySent'
            ? event.sentAt
            : event.publishedAt,
      );
      expect(Math.max(...times)).toBeLessThanOrEqual(clock());
      expect(Math.min(...times)).toBeGreaterThanOrEqual(started - 86_400_000 - 1000);

      // The truth recomputed from what Kafka holds is the truth the command wrote. Kafka holds authors as
      // references (ingest replaces them, docs/architecture.md "Personal data and erasure"): the brands' own
      // accounts are recognised by the references their stored profiles hold.
      const recomputed = truthReport(
        computeGroundTruth(traffic, {
          horizonMs: truth.horizonSeconds * 1000,
          watermarkMs: Date.parse(truth.watermark),
          ownAccountIds: ownAccountIdsOf(
            profiles.flatMap((profile) => (profile.type === 'BrandProfileSet' ? [{ profile }] : [])),
          ),
        }),
      );
      expect(JSON.parse(JSON.stringify(recomputed.byBrandChannel))).toEqual(truth.byBrandChannel);
      expect(JSON.parse(JSON.stringify(recomputed.byAgent))).toEqual(truth.byAgent);
      expect(truth.brands.map((brand) => brand.brandId).sort()).toEqual(
        profiles.map((profile) => profile.brandId).sort(),
      );
    });
  },
);
