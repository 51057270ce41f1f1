// carestream configured as for a production cluster and registry: Kafka over SASL_SSL (TLS with the stack's own
// CA, then PLAIN or SCRAM-SHA-512) and the schema registry behind HTTP basic auth. Runs on a second local stack
// of its own, whose `stack.sh up` makes the CA, the listener and the SCRAM credentials, so that the shared stack
// (started perhaps before it had the listener) is never restarted.
import { topicNames, topicSpecs, type CareEvent, type MentionReceived } from '@carestream/contract';
import { loadIngestConfig, startIngest } from '@carestream/ingest';
import {
  createKafka,
  createSchemaRegistry,
  ensureTopics,
  EventCodec,
  loadKafkaSecurity,
  loadRegistryAuth,
} from '@carestream/kafka';
import { createPool } from '@carestream/postgres';
import {
  activeSchema,
  loadProcessorsConfig,
  startProcessors,
  storedOffsets,
  topicEnds,
} from '@carestream/processors';
import { toIngestItem } from '@carestream/simulator';
import { uniqueName } from '@carestream/test-support';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExportLines } from '../../packages/test-support/src/global-setup.ts';
import { secondStack, type SecondStack } from './second-stack.ts';

const ADMIN_KEY = 'sasl-admin-key-0123456789abcdef';

const mention: MentionReceived = {
  type: 'MentionReceived',
  eventId: 'sasl-m-1',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'sasl-c-1',
  messageId: 'sasl-msg-1',
  authorId: 'sasl-cust-1',
  receivedAt: Date.UTC(2026, 10, 26, 9),
  kind: 'complaint',
  needsResponse: true,
  sentiment: -0.6,
  authorFollowers: 1200,
  private: false,
  text: 'where is my parcel?',
};

describe('Kafka over SASL_SSL and a registry with basic auth (a second local stack)', () => {
  let stack: SecondStack;
  let endpoints: Record<string, string>;

  beforeAll(async () => {
    stack = await secondStack('carestream-sasl-');
    endpoints = parseExportLines(await stack.stack('up'));
  }, 300_000);

  afterAll(async () => {
    await stack?.remove();
  });

  const endpoint = (name: string): string => {
    const found = endpoints[name];
    if (!found) throw new Error(`stack.sh env printed no ${name}`);
    return found;
  };

  /** The variables an operator sets for a production cluster, here with the second stack's values. */
  const productionEnv = (mechanism: string, password = endpoint('CARESTREAM_KAFKA_SASL_PASSWORD')) => ({
    KAFKA_BROKERS: endpoint('CARESTREAM_KAFKA_SASL_SSL_BROKERS'),
    KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: endpoint('CARESTREAM_KAFKA_SASL_USERNAME'),
    KAFKA_SASL_PASSWORD: password,
    KAFKA_SSL_CA_FILE: endpoint('CARESTREAM_KAFKA_SSL_CA_FILE'),
    SCHEMA_REGISTRY_URL: endpoint('CARESTREAM_SCHEMA_REGISTRY_AUTH_URL'),
    SCHEMA_REGISTRY_USERNAME: endpoint('CARESTREAM_SCHEMA_REGISTRY_USERNAME'),
    SCHEMA_REGISTRY_PASSWORD: endpoint('CARESTREAM_SCHEMA_REGISTRY_PASSWORD'),
  });

  const kafkaFor = (env: NodeJS.ProcessEnv, log?: (entry: { message: string }) => void) =>
    createKafka({
      brokers: env.KAFKA_BROKERS ?? '',
      clientId: uniqueName('sasl-test'),
      security: loadKafkaSecurity(env),
      connectionTimeoutMs: 5_000,
      ...(log && { log }),
    });

  async function firstMessage(kafka: Kafka, topic: string): Promise<Buffer | null> {
    const consumer = kafka.consumer({ groupId: uniqueName('sasl-reader') });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      return await new Promise<Buffer | null>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing on ${topic} in 30 s`)), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(timer);
            resolve(message.value);
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
  }

  it.each(['PLAIN', 'SCRAM-SHA-512'])(
    'given %s credentials, when an event is produced, consumed and decoded, then it is the event sent',
    async (mechanism) => {
      const env = productionEnv(mechanism);
      const kafka = kafkaFor(env);
      const prefix = `${uniqueName(mechanism.toLowerCase())}.`;
      const names = topicNames(prefix);
      await ensureTopics(kafka, topicSpecs({ partitions: 1, prefix }));
      const registry = createSchemaRegistry(env.SCHEMA_REGISTRY_URL, loadRegistryAuth(env));
      const codec = await EventCodec.register(registry, names);
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({
        topic: names.interactions,
        acks: -1,
        messages: [{ key: mention.conversationId, value: await codec.encode(mention) }],
      });
      await producer.disconnect();
      const decoded: CareEvent = await EventCodec.forDecoding(registry).decode(
        await firstMessage(kafka, names.interactions),
      );
      expect(decoded).toEqual(mention);
    },
  );

  it('given a wrong password, when connecting, then kafkajs says SASL authentication failed and logs no password', async () => {
    const wrong = 'not-the-password-0123';
    const logged: string[] = [];
    const admin = kafkaFor(productionEnv('SCRAM-SHA-512', wrong), (entry) =>
      logged.push(entry.message),
    ).admin();
    const failure = await admin.connect().then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    await admin.disconnect();
    expect(failure?.message).toMatch(/SASL SCRAM SHA512 authentication failed/i);
    expect([failure?.message, ...logged].join('\n')).not.toContain(wrong);
  });

  it('given a PLAINTEXT client, when it connects to the SASL_SSL listener, then it gets no answer it can use', async () => {
    const admin = createKafka({
      brokers: endpoint('CARESTREAM_KAFKA_SASL_SSL_BROKERS'),
      clientId: uniqueName('plaintext'),
      connectionTimeoutMs: 2_000,
      requestTimeoutMs: 3_000,
      log: () => undefined,
    }).admin({ retry: { retries: 0 } });
    await expect(
      (async () => {
        await admin.connect();
        await admin.listTopics();
      })(),
    ).rejects.toThrow();
    await admin.disconnect();
  });

  it('given no or wrong registry credentials, when registering the schemas, then the registry refuses with 401 and the error names the variables', async () => {
    const url = endpoint('CARESTREAM_SCHEMA_REGISTRY_AUTH_URL');
    expect((await fetch(`${url}/subjects`)).status).toBe(401);
    const names = topicNames(`${uniqueName('no-auth')}.`);
    for (const auth of [undefined, { username: 'carestream', password: 'wrong' }]) {
      await expect(EventCodec.register(createSchemaRegistry(url, auth), names)).rejects.toMatchObject({
        code: 'CARE_ERR_REGISTRY_UNAVAILABLE',
        message: expect.stringMatching(
          /refused carestream's credentials \(HTTP 401\).*SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD/,
        ) as unknown,
      });
    }
  });

  it('given ingest on SCRAM-SHA-512 and the processors on PLAIN, when a mention is posted, then ingest stores it and the processors apply it', async () => {
    const prefix = `${uniqueName('sasl-pipeline')}.`;
    const names = topicNames(prefix);
    const common = {
      DATABASE_URL: endpoint('DATABASE_URL'),
      CARESTREAM_TOPIC_PREFIX: prefix,
      CARESTREAM_PARTITIONS: '1',
    };
    const ingest = await startIngest(
      loadIngestConfig({
        ...productionEnv('SCRAM-SHA-512'),
        ...common,
        CARESTREAM_ADMIN_KEY: ADMIN_KEY,
        // The mention's fixed date stays inside the window whatever today's date.
        CARESTREAM_RETENTION_DAYS: '36500',
      }),
    );
    const processors = await startProcessors(
      loadProcessorsConfig({
        ...productionEnv('PLAIN'),
        ...common,
        CARESTREAM_GROUP_PREFIX: uniqueName('sasl-group'),
        PROCESSORS_PORT: '0',
        PROCESSORS_SESSION_TIMEOUT_MS: '10000',
        BENCHMARK_REFRESH_SECONDS: '3600',
      }),
    );
    const pool = createPool({ connectionString: endpoint('DATABASE_URL'), max: 2 });
    const admin = kafkaFor(productionEnv('SCRAM-SHA-256')).admin();
    await admin.connect();
    try {
      const ready = await ingest.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.json()).toMatchObject({ checks: { kafka: 'ok', registry: 'ok' } });
      const posted = await ingest.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        payload: JSON.stringify([toIngestItem(mention)]),
      });
      expect(posted.json()).toMatchObject({ accepted: 1, rejected: 0 });
      const ends = await topicEnds(admin, [names.interactions]);
      expect([...ends.values()]).toEqual([1]);
      const deadline = Date.now() + 60_000;
      let applied = new Map<string, number>();
      while (Date.now() < deadline) {
        applied = await storedOffsets(pool, await activeSchema(pool, 'sla'), 'sla');
        if ([...ends].every(([id, end]) => (applied.get(id) ?? 0) >= end)) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(Object.fromEntries(applied)).toMatchObject(Object.fromEntries(ends));
    } finally {
      await admin.disconnect();
      await pool.end();
      await processors.close();
      await ingest.close();
    }
  });
});
