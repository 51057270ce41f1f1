import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { ApiKeyStore } from '@carestream/api-keys';
import { ErasureLog, IdentityVault } from '@carestream/erasure';
import { DAY_MS, DEFAULT_RETENTION_MS, topicNames, type CareEvent } from '@carestream/contract';
import { createKafka, EventCodec } from '@carestream/kafka';
import { createPool, type Pool } from '@carestream/postgres';
import {
  createTestDatabase,
  deleteTestTopics,
  testServices,
  uniqueName,
  type TestDatabase,
} from '@carestream/test-support';
import { clockStartingAt } from '@carestream/test-support/fixed-clocks';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIngestApp } from './app.ts';
import { loadIngestConfig } from './config.ts';
import { EventPublisher } from './event-publisher.ts';
import { IngestMetrics } from './ingest-metrics.ts';
import { startIngest, type IngestRuntime } from './ingest-runtime.ts';
import { mapXWebhook } from './webhooks/x-webhook.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`./webhooks/fixtures/${name}`, import.meta.url), 'utf8');

const ADMIN_KEY = 'test-admin-key-0123456789';
const X_SECRET = 'x-consumer-secret';
const META_SECRET = 'meta-app-secret';
const META_VERIFY = 'meta-verify-token';

describe('ingest service against real Kafka, registry and Postgres', () => {
  const services = testServices();
  const prefix = `${uniqueName('t')}.`;
  const names = topicNames(prefix);
  let database: TestDatabase;
  let env: Record<string, string>;
  let runtime: IngestRuntime;
  let app: FastifyInstance;
  let pool: Pool;
  let writeKey: string;
  let readKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      KAFKA_BROKERS: services.kafkaBrokers,
      SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
      DATABASE_URL: database.url,
      CARESTREAM_TOPIC_PREFIX: prefix,
      CARESTREAM_PARTITIONS: '3',
      CARESTREAM_ADMIN_KEY: ADMIN_KEY,
      INGEST_MAX_ITEMS: '50',
      INGEST_MAX_BYTES: '65536',
      X_CONSUMER_SECRET: X_SECRET,
      META_APP_SECRET: META_SECRET,
      META_VERIFY_TOKEN: META_VERIFY,
      WEBHOOK_ACCOUNT_BRANDS: JSON.stringify({
        '2244994945': 'acme',
        '104738491234567': 'acme',
        '17841400008460056': 'acme',
      }),
    };
    // This ingest runs on the real clock and gets the webhook fixtures, dated March 2026: a century's window
    // keeps them inside it whatever the date. The default window is tested on an ingest of its own below.
    runtime = await startIngest(loadIngestConfig({ ...env, CARESTREAM_RETENTION_DAYS: '36500' }));
    app = runtime.app;
    pool = createPool({ connectionString: database.url, max: 2 });
    const keys = new ApiKeyStore(pool);
    writeKey = (await keys.create({ scope: 'write', brandIds: ['acme'] })).token;
    readKey = (await keys.create({ scope: 'read', brandIds: ['acme'] })).token;
  });

  afterAll(async () => {
    await runtime?.close();
    await pool?.end();
    await database?.drop();
    await deleteTestTopics(Object.values(names));
  });

  const now = () => new Date().toISOString();
  const mention = (overrides: Record<string, unknown> = {}) => ({
    type: 'mention',
    eventId: uniqueName('m'),
    brandId: 'acme',
    channel: 'x',
    conversationId: 'c1',
    messageId: uniqueName('msg'),
    authorId: 'customer-1',
    receivedAt: now(),
    kind: 'complaint',
    private: false,
    ...overrides,
  });
  const reply = (overrides: Record<string, unknown> = {}) => ({
    type: 'reply',
    eventId: uniqueName('r'),
    brandId: 'acme',
    channel: 'x',
    conversationId: 'c1',
    messageId: uniqueName('msg'),
    agentId: 'agent-7',
    sentAt: now(),
    automated: false,
    private: false,
    ...overrides,
  });

  function post(body: string, headers: Record<string, string> = {}, url = '/v1/events') {
    return app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: { authorization: `Bearer ${writeKey}`, 'content-type': 'application/json', ...headers },
    });
  }

  /** Reads back every event on a topic: what ingest said it stored must be there, once. */
  async function eventsOn(topic: string, expectAtLeast: number): Promise<CareEvent[]> {
    const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'ingest-test-reader' });
    const codec = EventCodec.forDecoding(new SchemaRegistry({ host: services.schemaRegistryUrl }));
    const consumer = kafka.consumer({ groupId: uniqueName('ingest-test') });
    const events: CareEvent[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void events.push(await codec.decode(message.value)),
    });
    const deadline = Date.now() + 30_000;
    while (events.length < expectAtLeast && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 500)); // and nothing more arrives
    await consumer.disconnect();
    return events;
  }

  describe('POST /v1/events', () => {
    it('accepts a JSON array and stores every event in Kafka before answering 202', async () => {
      const items = [mention({ conversationId: 'stored-1' }), reply({ conversationId: 'stored-1' })];
      const response = await post(JSON.stringify(items));
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: 0, errors: [] });
      const stored = (await eventsOn(names.interactions, 2)).filter(
        (event) => 'conversationId' in event && event.conversationId === 'stored-1',
      );
      expect(stored.map((event) => event.eventId).sort()).toEqual(items.map((item) => item.eventId).sort());
      const storedMention = stored.find((event) => event.type === 'MentionReceived');
      expect(storedMention).toMatchObject({ brandId: 'acme', kind: 'complaint', needsResponse: true });
    });

    it('refuses an eventId given to two items that say different things, and counts an identical copy once', async () => {
      const first = mention({ conversationId: 'reuse-a' });
      // The same fact with its fields in another order is the same fact.
      const reordered = Object.fromEntries(Object.entries(first).reverse());
      const items = [first, reordered, { ...first, conversationId: 'reuse-b' }];
      const response = await post(JSON.stringify(items));
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({
        accepted: 1,
        duplicates: 1,
        rejected: 1,
        errors: [
          {
            index: 2,
            field: 'eventId',
            message: expect.stringContaining('item 0, which says something else'),
          },
        ],
      });
    });

    it('takes a mention that names an erased author or message without storing them again, so it still counts', async () => {
      const old = mention({
        authorId: 'erased-cust',
        messageId: 'erased-msg-1',
        conversationId: 'erased-conv-1',
        receivedAt: new Date(Date.now() - 3_600_000).toISOString(),
      });
      const gone = mention({
        authorId: 'kept-cust',
        messageId: 'erased-msg-2',
        conversationId: 'erased-conv-2',
      });
      expect((await post(JSON.stringify([old, gone]))).statusCode).toBe(202);
      const log = new ErasureLog(pool);
      await log.erase(
        { kind: 'author', brandId: 'acme', authorId: 'erased-cust' },
        { source: 'api', requestedBy: null },
      );
      await log.erase(
        { kind: 'message', brandId: 'acme', messageId: 'erased-msg-2' },
        { source: 'api', requestedBy: null },
      );
      // Sent again (a redelivery: the fold finds its eventId in the conversation and counts it once), or for the
      // first time (old history imported after the erasure: counted, as it would have been before): taken either
      // way, with the erased ids replaced by references stored nowhere and the text dropped.
      const late = mention({
        authorId: 'erased-cust',
        messageId: 'erased-msg-3',
        conversationId: 'erased-conv-3',
        receivedAt: new Date(Date.now() - 7_200_000).toISOString(),
      });
      const answer = reply({ conversationId: 'erased-conv-3', inReplyTo: 'erased-msg-3' });
      const again = await post(JSON.stringify([old, gone, late, answer]));
      expect(again.json()).toEqual({ accepted: 4, duplicates: 0, rejected: 0, errors: [] });
      const identities = await pool.query(
        "select 1 from author_identities where clear_value in ('erased-cust', 'erased-msg-1', 'erased-msg-2', 'erased-msg-3')",
      );
      expect(identities.rowCount).toBe(0);
      const published = (await eventsOn(names.interactions, 7)).filter(
        (event) => 'conversationId' in event && event.conversationId.startsWith('erased-conv-'),
      );
      const lastOf = (eventId: string) => published.filter((event) => event.eventId === eventId).at(-1);
      for (const item of [old, gone, late])
        expect(lastOf(item.eventId)).toMatchObject({
          eventId: item.eventId,
          conversationId: item.conversationId,
          text: null,
        });
      expect(JSON.stringify(published.slice(-4))).not.toMatch(/erased-cust|erased-msg/);
      // The customer writing again after the erasure is new data, stored again.
      const later = mention({
        authorId: 'erased-cust',
        receivedAt: new Date(Date.now() + 1_000).toISOString(),
      });
      expect((await post(JSON.stringify([later]))).json()).toMatchObject({ accepted: 1, rejected: 0 });
      const back = await pool.query("select 1 from author_identities where clear_value = 'erased-cust'");
      expect(back.rowCount).toBe(1);
    });

    it('accepts NDJSON, reporting the line that is not JSON and keeping the rest', async () => {
      const body = [JSON.stringify(mention()), '{"type": "mention",', JSON.stringify(reply())].join('\n');
      const response = await post(body, { 'content-type': 'application/x-ndjson' });
      expect(response.statusCode).toBe(202);
      const result = response.json();
      expect(result.accepted).toBe(2);
      expect(result.errors).toEqual([
        { index: 1, field: 'item', message: expect.stringMatching(/^is not valid JSON \(line 2\): /) },
      ]);
    });

    it('names the field and the reason for every invalid item and publishes the valid ones', async () => {
      const items = [
        mention({ channel: 'fax' }),
        mention({ receivedAt: 'yesterday' }),
        mention({ kind: undefined }),
        mention({ colour: 'blue' }),
        { type: 'tweet', eventId: 'x' },
        mention({ receivedAt: new Date(Date.now() + 3 * 3600_000).toISOString() }),
        mention({ sentiment: 'very bad' }),
        mention(),
      ];
      const response = await post(JSON.stringify(items));
      expect(response.statusCode).toBe(202);
      const { accepted, rejected, errors } = response.json();
      expect(accepted).toBe(1);
      expect(rejected).toBe(7);
      const byIndex = (index: number) => errors.filter((error: { index: number }) => error.index === index);
      expect(byIndex(0)[0]).toMatchObject({
        field: 'channel',
        message: expect.stringMatching(/x, facebook/),
      });
      expect(byIndex(1)[0]).toMatchObject({ field: 'receivedAt' });
      expect(byIndex(2)[0]).toMatchObject({ field: 'kind', message: expect.stringMatching(/required/) });
      expect(byIndex(3)[0]).toMatchObject({
        field: 'colour',
        message: expect.stringMatching(/not a known field/),
      });
      expect(byIndex(4)[0]).toMatchObject({ field: 'type', message: expect.stringMatching(/mention/) });
      expect(byIndex(5)[0]).toMatchObject({ field: 'receivedAt', message: expect.stringMatching(/future/) });
      expect(byIndex(6)[0]).toMatchObject({ field: 'sentiment' });
    });

    it('with atomic=true accepts nothing when one item is invalid', async () => {
      const marker = uniqueName('atomic');
      const response = await post(
        JSON.stringify([mention({ conversationId: marker }), mention({ channel: 'fax' })]),
        {},
        '/v1/events?atomic=true',
      );
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        accepted: 0,
        rejected: 1,
        errors: [{ index: 1, field: 'channel' }],
      });
      const stored = await eventsOn(names.interactions, 0);
      expect(stored.some((event) => 'conversationId' in event && event.conversationId === marker)).toBe(
        false,
      );
    });

    it('publishes a duplicate eventId within a request once', async () => {
      const item = mention({ conversationId: uniqueName('dup') });
      const response = await post(JSON.stringify([item, item]));
      expect(response.statusCode).toBe(202);
      expect(response.json()).toMatchObject({ accepted: 1, duplicates: 1, rejected: 0 });
    });

    it('publishes the same eventId for two brands as two events (ids are unique within a brand)', async () => {
      const item = mention({ conversationId: uniqueName('two-brands') });
      const response = await post(JSON.stringify([item, { ...item, brandId: 'globex' }]), {
        authorization: `Bearer ${ADMIN_KEY}`,
      });
      expect(response.statusCode).toBe(202);
      expect(response.json()).toMatchObject({ accepted: 2, duplicates: 0, rejected: 0 });
    });

    it('rejects invalid JSON, empty, non-array and oversized bodies, naming the body', async () => {
      const invalid = await post('[{"type": ');
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().error).toMatchObject({
        field: 'body',
        message: expect.stringMatching(/not valid JSON/),
      });

      const empty = await post('');
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error).toMatchObject({ field: 'body', message: expect.stringMatching(/empty/) });

      const emptyArray = await post('[]');
      expect(emptyArray.statusCode).toBe(400);
      expect(emptyArray.json().error.field).toBe('body');

      const object = await post(JSON.stringify(mention()));
      expect(object.statusCode).toBe(400);
      expect(object.json().error.message).toMatch(/array/);

      const tooMany = await post(JSON.stringify(Array.from({ length: 51 }, () => mention())));
      expect(tooMany.statusCode).toBe(413);
      expect(tooMany.json().error).toMatchObject({
        field: 'body',
        message: expect.stringMatching(/at most 50/),
      });

      const tooBig = await post(
        JSON.stringify([mention({ text: 'x'.repeat(9000) })])
          .repeat(1)
          .padEnd(70_000, ' '),
      );
      expect(tooBig.statusCode).toBe(413);

      const unsupported = await post('a,b', { 'content-type': 'text/csv' });
      expect(unsupported.statusCode).toBe(415);
      expect(unsupported.json().error.field).toBe('content-type');
    });

    it('requires a key that may write the brand', async () => {
      const missing = await app.inject({
        method: 'POST',
        url: '/v1/events',
        payload: '[]',
        headers: { 'content-type': 'application/json' },
      });
      expect(missing.statusCode).toBe(401);
      expect(missing.json().error.field).toBe('authorization');

      const wrong = await post('[]', { authorization: 'Bearer cs_aaaaaaaaaaaa_' + 'b'.repeat(43) });
      expect(wrong.statusCode).toBe(401);

      const readOnly = await post(JSON.stringify([mention()]), { authorization: `Bearer ${readKey}` });
      expect(readOnly.statusCode).toBe(403);
      expect(readOnly.json().error.message).toMatch(/read key/);

      const otherBrand = await post(JSON.stringify([mention({ brandId: 'globex' })]));
      expect(otherBrand.statusCode).toBe(400);
      expect(otherBrand.json().errors[0]).toMatchObject({ index: 0, field: 'brandId' });

      const admin = await post(JSON.stringify([mention({ brandId: 'globex' })]), {
        authorization: `Bearer ${ADMIN_KEY}`,
      });
      expect(admin.statusCode).toBe(202);
    });

    it('publishes events whose one partition holds far more than a Kafka message batch (1 MiB)', async () => {
      // A conversation's events share a partition: 500 mentions with 10,000-character texts are ~5 MB there,
      // what the default limits (10,000 items, 5 MiB) let one request hold.
      const kafka = createKafka({ brokers: services.kafkaBrokers, clientId: 'ingest-test-big' });
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        const codec = await EventCodec.register(
          new SchemaRegistry({ host: services.schemaRegistryUrl }),
          names,
        );
        const publisher = new EventPublisher(producer, codec, names, { ackTimeoutMs: 30_000 });
        const conversationId = uniqueName('big');
        const events: CareEvent[] = Array.from({ length: 500 }, (_, i) => ({
          type: 'MentionReceived',
          eventId: uniqueName('big-m'),
          brandId: 'acme',
          channel: 'x',
          conversationId,
          messageId: `msg-${i}`,
          authorId: 'customer-1',
          receivedAt: Date.parse('2026-03-02T09:00:00Z') + i,
          kind: 'complaint',
          needsResponse: true,
          sentiment: null,
          authorFollowers: null,
          private: false,
          text: `${i} ${'x'.repeat(9_990)}`,
        }));
        await publisher.publish(events);
        const stored = (await eventsOn(names.interactions, 500)).filter(
          (event) => 'conversationId' in event && event.conversationId === conversationId,
        );
        expect(stored.map((event) => event.eventId).sort()).toEqual(
          events.map((event) => event.eventId).sort(),
        );
      } finally {
        await producer.disconnect();
      }
    });

    it('answers 503 with Retry-After and accepts nothing when Kafka is unreachable', async () => {
      // A producer pointed at a port where no broker listens: the publisher's send fails.
      const deadKafka = createKafka({ brokers: '127.0.0.1:1', clientId: 'dead', connectionTimeoutMs: 300 });
      const producer = deadKafka.producer({ retry: { retries: 0 } });
      const codec = await EventCodec.register(
        new SchemaRegistry({ host: services.schemaRegistryUrl }),
        names,
      );
      const registry = new Registry();
      const deadApp = await buildIngestApp({
        publisher: new EventPublisher(producer, codec, names, { ackTimeoutMs: 5_000 }),
        keys: new ApiKeyStore(pool, { adminKey: ADMIN_KEY }),
        erasures: new ErasureLog(pool),
        identities: new IdentityVault(pool, new ErasureLog(pool)),
        metrics: new IngestMetrics(registry),
        registry,
        checks: {},
        limits: { maxItems: 10, maxBytes: 65536 },
        maxFutureSkewMs: 300_000,
        retentionMs: DEFAULT_RETENTION_MS,
        webhooks: {
          xConsumerSecret: undefined,
          metaAppSecret: undefined,
          metaVerifyToken: undefined,
          accountBrands: {},
          automatedAppIds: [],
        },
      });
      const response = await deadApp.inject({
        method: 'POST',
        url: '/v1/events',
        payload: JSON.stringify([mention()]),
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      });
      await deadApp.close();
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json().error.code).toBe('CARE_ERR_KAFKA_UNAVAILABLE');
      expect(response.json()).not.toHaveProperty('accepted');
    });
  });

  describe('X webhook', () => {
    it('answers the CRC challenge with the HMAC of the token', async () => {
      const response = await app.inject({ method: 'GET', url: '/webhooks/x?crc_token=abc123' });
      expect(response.statusCode).toBe(200);
      const expected = `sha256=${createHmac('sha256', X_SECRET).update('abc123').digest('base64')}`;
      expect(response.json()).toEqual({ response_token: expected });
    });

    it('publishes signed tweet events and refuses a bad or missing signature', async () => {
      const body = fixture('x-tweet-create-events.json');
      const signature = `sha256=${createHmac('sha256', X_SECRET).update(body).digest('base64')}`;
      const bad = await app.inject({
        method: 'POST',
        url: '/webhooks/x',
        payload: body,
        headers: {
          'content-type': 'application/json',
          'x-twitter-webhooks-signature': signature.replace(/.{4}=$/, 'AAAA='),
        },
      });
      expect(bad.statusCode).toBe(401);
      const missing = await app.inject({
        method: 'POST',
        url: '/webhooks/x',
        payload: body,
        headers: { 'content-type': 'application/json' },
      });
      expect(missing.statusCode).toBe(401);
      const good = await app.inject({
        method: 'POST',
        url: '/webhooks/x',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': signature },
      });
      expect(good.statusCode).toBe(200);
      expect(good.json().accepted).toBeGreaterThan(0);
      const stored = await eventsOn(names.interactions, good.json().accepted);
      expect(stored.some((event) => event.eventId.startsWith('x:tweet:'))).toBe(true);
    });

    it('skips a redelivered tweet whose message was erased, and the reply in its conversation, naming why', async () => {
      // A tweet of its own: the other tests deliver the fixture's and must find it unerased.
      const body = fixture('x-tweet-create-events.json').replaceAll(
        '1764000000000000001',
        '1764000000000000999',
      );
      const deliver = () =>
        app.inject({
          method: 'POST',
          url: '/webhooks/x',
          payload: body,
          headers: {
            'content-type': 'application/json',
            'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', X_SECRET).update(body).digest('base64')}`,
          },
        });
      const first = (await deliver()).json<{ accepted: number }>();
      await new ErasureLog(pool).erase(
        { kind: 'message', brandId: 'acme', messageId: '1764000000000000999' },
        { source: 'x-webhook', requestedBy: null },
      );
      const again = (await deliver()).json<{ accepted: number; skipped: { reason: string }[] }>();
      // The tweet, and the brand's reply in the conversation the tweet keys (its id would be stored again).
      expect(again.accepted).toBe(first.accepted - 2);
      expect(again.skipped).toEqual(
        expect.arrayContaining([
          { reason: 'x:tweet:1764000000000000999: messageId names an erased message; it is not taken again' },
          {
            reason:
              'x:tweet:1764000000000000002: conversationId names an erased conversation; it is not taken again',
          },
        ]),
      );
      const identities = await pool.query(
        "select 1 from author_identities where clear_value = '1764000000000000999'",
      );
      expect(identities.rowCount).toBe(0);
    });
  });

  describe('X webhook: what a signature may not be used for', () => {
    it('refuses a CRC token that is not a token, so the CRC answer never signs a request body', async () => {
      const body = fixture('x-tweet-create-events.json');
      const response = await app.inject({
        method: 'GET',
        url: `/webhooks/x?crc_token=${encodeURIComponent(body)}`,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'CARE_ERR_VALIDATION', field: 'crc_token' });
      expect(response.body).not.toContain('response_token');
    });

    it('skips signed events dated beyond the allowed clock skew, as /v1/events refuses them', async () => {
      const post = (payload: string) =>
        app.inject({
          method: 'POST',
          url: '/webhooks/x',
          payload,
          headers: {
            'content-type': 'application/json',
            'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', X_SECRET).update(payload).digest('base64')}`,
          },
        });
      const original = (await post(fixture('x-tweet-create-events.json'))).json<{ accepted: number }>();
      const year3000 = String(Date.UTC(3000, 0, 1));
      const body = fixture('x-tweet-create-events.json').replace(
        /"timestamp_ms": "\d+"/g,
        `"timestamp_ms": "${year3000}"`,
      );
      expect(body).toContain(year3000);
      const response = await post(body);
      expect(response.statusCode).toBe(200);
      const answer = response.json<{ accepted: number; skipped: { reason: string }[] }>();
      const future = answer.skipped.filter((skip) => skip.reason.includes('in the future'));
      expect(future.length).toBeGreaterThan(0);
      expect(answer.accepted).toBe(original.accepted - future.length);
    });
  });

  describe('the retention window (CARESTREAM_RETENTION_DAYS, default 400 days)', () => {
    // An ingest with the default window on a clock that starts at a fixed leap day, so the cut-off
    // (2027-01-25T12:00Z plus the seconds the test has run) does not depend on the real date.
    let dated: IngestRuntime;
    const START = Date.parse('2028-02-29T12:00:00Z');
    const clock = clockStartingAt(START);
    const iso = (ms: number) => new Date(ms).toISOString();

    beforeAll(async () => {
      dated = await startIngest(loadIngestConfig(env), { clock });
    });
    afterAll(async () => {
      await dated?.close();
    });

    function postDated(body: string, contentType = 'application/json', url = '/v1/events') {
      return dated.app.inject({
        method: 'POST',
        url,
        payload: body,
        headers: { authorization: `Bearer ${writeKey}`, 'content-type': contentType },
      });
    }

    it('refuses a mention 401 days old, naming receivedAt and the window, and publishes only the fresh one', async () => {
      const marker = uniqueName('retention');
      const fresh = mention({ conversationId: marker, receivedAt: iso(clock() - 60_000) });
      const old = mention({ conversationId: marker, receivedAt: iso(clock() - 401 * DAY_MS) });
      const response = await postDated(JSON.stringify([fresh, old]));
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({
        accepted: 1,
        duplicates: 0,
        rejected: 1,
        errors: [
          {
            index: 1,
            field: 'receivedAt',
            message: expect.stringMatching(
              /^is older than the retention window of 400 days \(before 2027-01-25T12:\d\d:\d\d\.\d{3}Z\); carestream keeps exact figures only inside it$/,
            ),
          },
        ],
      });
      const stored = (await eventsOn(names.interactions, 1)).filter(
        (event) => 'conversationId' in event && event.conversationId === marker,
      );
      expect(stored.map((event) => event.eventId)).toEqual([fresh.eventId]);
    });

    it('refuses it in NDJSON too, and with atomic=true accepts nothing', async () => {
      const old = reply({ sentAt: iso(clock() - 401 * DAY_MS) });
      const alone = await postDated(JSON.stringify(old), 'application/x-ndjson');
      expect(alone.statusCode).toBe(400);
      expect(alone.json()).toMatchObject({
        accepted: 0,
        rejected: 1,
        errors: [
          { index: 0, field: 'sentAt', message: expect.stringMatching(/retention window of 400 days/) },
        ],
      });
      const atomic = await postDated(
        [JSON.stringify(mention({ receivedAt: iso(clock() - 60_000) })), JSON.stringify(old)].join('\n'),
        'application/x-ndjson',
        '/v1/events?atomic=true',
      );
      expect(atomic.statusCode).toBe(400);
      expect(atomic.json()).toMatchObject({
        accepted: 0,
        rejected: 1,
        errors: [{ index: 1, field: 'sentAt' }],
      });
    });

    it('skips a signed webhook event older than the window, saying why, and publishes the rest', async () => {
      // The fixture's tweets with timestamp_ms are made a minute old; the brand's reply has only its
      // created_at, 2026-03-02T09:40:02Z, about two years before this clock.
      const body = fixture('x-tweet-create-events.json').replace(
        /"timestamp_ms": "\d+"/g,
        `"timestamp_ms": "${clock() - 60_000}"`,
      );
      const response = await dated.app.inject({
        method: 'POST',
        url: '/webhooks/x',
        payload: body,
        headers: {
          'content-type': 'application/json',
          'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', X_SECRET).update(body).digest('base64')}`,
        },
      });
      expect(response.statusCode).toBe(200);
      const answer = response.json<{ accepted: number; skipped: { reason: string }[] }>();
      expect(answer.skipped.filter((skip) => skip.reason.includes('retention window'))).toEqual([
        {
          reason: expect.stringMatching(
            /^x:tweet:1764000000000000002: its time \(sentAt 2026-03-02T09:40:02\.000Z\) is older than the retention window of 400 days \(before 2027-01-25T12:/,
          ),
        },
      ]);
      const accountBrands = JSON.parse(env.WEBHOOK_ACCOUNT_BRANDS ?? '{}') as Record<string, string>;
      const mapped = mapXWebhook(JSON.parse(body), { brandForAccount: (id) => accountBrands[id] });
      expect(answer.accepted).toBe(mapped.events.length - 1);
    });
  });

  describe('Meta data-deletion callback', () => {
    const signedRequest = (payload: object, secret = META_SECRET) => {
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${createHmac('sha256', secret).update(body).digest('base64url')}.${body}`;
    };
    const callback = (signed: string) =>
      app.inject({
        method: 'POST',
        url: '/webhooks/meta/data-deletion',
        payload: `signed_request=${encodeURIComponent(signed)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    const identities = async (value: string) =>
      (await pool.query('select 1 from author_identities where clear_value = $1', [value])).rowCount;

    it('erases the user in every brand and answers a url telling the user it is done', async () => {
      const user = uniqueName('meta-user');
      expect((await post(JSON.stringify([mention({ authorId: user })]))).statusCode).toBe(202);
      expect(await identities(user)).toBe(1);
      const response = await callback(
        signedRequest({ algorithm: 'HMAC-SHA256', issued_at: 1, user_id: user }),
      );
      expect(response.statusCode, response.body).toBe(200);
      const answer = response.json<{ url: string; confirmation_code: string }>();
      expect(answer.url).toMatch(
        new RegExp(`^http://[^/]+/webhooks/meta/data-deletion/${answer.confirmation_code}$`),
      );
      expect(await identities(user)).toBe(0);
      const status = await app.inject({ method: 'GET', url: new URL(answer.url).pathname });
      expect(status.json()).toMatchObject({
        confirmation_code: answer.confirmation_code,
        status: 'completed',
      });
      const audit = await pool.query('select source, brand_id from erasures where erasure_id = $1', [
        answer.confirmation_code,
      ]);
      expect(audit.rows).toEqual([{ source: 'meta-webhook', brand_id: null }]);
    });

    it('erases a comment removed from the page, keeping its author and their other comments', async () => {
      const deliver = async (...values: Record<string, unknown>[]) => {
        const body = JSON.stringify({
          object: 'page',
          entry: [
            {
              id: '104738491234567',
              time: Date.now(),
              changes: values.map((value) => ({ field: 'feed', value })),
            },
          ],
        });
        const response = await app.inject({
          method: 'POST',
          url: '/webhooks/meta',
          payload: body,
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': `sha256=${createHmac('sha256', META_SECRET).update(body).digest('hex')}`,
          },
        });
        expect(response.statusCode, response.body).toBe(200);
        return response.json<{ accepted: number; erased: number; skipped: unknown[] }>();
      };
      const user = uniqueName('fb-user');
      const [removed, kept] = [uniqueName('c'), uniqueName('c')];
      const comment = (id: string) => ({
        item: 'comment',
        verb: 'add',
        comment_id: id,
        post_id: 'p-1',
        parent_id: 'p-1',
        from: { id: user },
        message: 'where is my parcel',
        created_time: Math.floor(Date.now() / 1000) - 60,
      });
      expect(await deliver(comment(removed))).toMatchObject({ accepted: 1, erased: 0 });
      expect(await deliver(comment(kept))).toMatchObject({ accepted: 1, erased: 0 });
      expect(await identities(removed)).toBe(1);
      // Named twice in the delivery: erased once, and reported as erased, not as a skipped item.
      const removal = { item: 'comment', verb: 'remove', comment_id: removed, post_id: 'p-1' };
      expect(await deliver(removal, removal)).toEqual({ accepted: 0, erased: 1, skipped: [] });
      expect([await identities(removed), await identities(kept), await identities(user)]).toEqual([0, 1, 1]);
    });

    it('refuses a request signed with another secret, erasing nothing', async () => {
      const user = uniqueName('meta-user');
      await post(JSON.stringify([mention({ authorId: user })]));
      const response = await callback(
        signedRequest({ algorithm: 'HMAC-SHA256', user_id: user }, 'not-the-secret'),
      );
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: { field: 'signed_request' } });
      expect(await identities(user)).toBe(1);
      expect((await app.inject({ method: 'GET', url: '/webhooks/meta/data-deletion/nope' })).statusCode).toBe(
        404,
      );
    });
  });

  describe('Meta webhook', () => {
    it('verifies the subscription token', async () => {
      const ok = await app.inject({
        method: 'GET',
        url: `/webhooks/meta?hub.mode=subscribe&hub.verify_token=${META_VERIFY}&hub.challenge=1158201444`,
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toBe('1158201444');
      const wrong = await app.inject({
        method: 'GET',
        url: '/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1',
      });
      expect(wrong.statusCode).toBe(403);
    });

    it('checks X-Hub-Signature-256 over the raw body before publishing', async () => {
      const body = fixture('meta-page-feed.json');
      const signature = `sha256=${createHmac('sha256', META_SECRET).update(body).digest('hex')}`;
      const tampered = await app.inject({
        method: 'POST',
        url: '/webhooks/meta',
        payload: body.replace('}', ' }'),
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      });
      expect(tampered.statusCode).toBe(401);
      const good = await app.inject({
        method: 'POST',
        url: '/webhooks/meta',
        payload: body,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      });
      expect(good.statusCode).toBe(200);
    });
  });

  describe('operations', () => {
    it('is alive, ready when Kafka, the registry and Postgres answer, and exposes metrics', async () => {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks).toEqual({ kafka: 'ok', registry: 'ok', postgres: 'ok' });
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/carestream_ingest_events_total\{result="accepted",channel="x"\} \d+/);
      expect(metrics.body).toContain('carestream_ingest_publish_duration_seconds_bucket');
      expect(metrics.body).toContain('carestream_ingest_requests_total');
    });
  });
});
