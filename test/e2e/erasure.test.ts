// Erasure end to end (issue #15): an author erased through POST /v1/erasures is gone from every API answer
// (JSON and CSV), from a pg_dump of the database and from every topic decoded through the registry, also after a
// replay rebuilds every projection from the log; the SLA figures are those from before the erasure.
import { execFile } from 'node:child_process';
import { createHmac, randomInt, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { loadApiConfig, startApi, type ApiRuntime } from '@carestream/api';
import { avroSubjects, type MentionReceived } from '@carestream/contract';
import { loadIngestConfig, startIngest } from '@carestream/ingest';
import { createKafka, EventCodec } from '@carestream/kafka';
import { generateScenario, toIngestItem } from '@carestream/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  feedScenario,
  sendEvents,
  startPipeline,
  waitForCatchUp,
  type Pipeline,
} from './pipeline-harness.ts';

const HOUR = 3_600_000;
const run = promisify(execFile);

describe('erasure across the log, the projections and every replay', () => {
  let pipeline: Pipeline;
  let api: ApiRuntime;
  const marker = randomUUID();
  const startMs = Date.UTC(2026, 10, 24, 8);
  const generated = generateScenario({
    seed: 1515,
    conversations: 400,
    brands: 3,
    startMs,
    spanMs: 4 * HOUR,
    horizonMs: HOUR,
    duplicateRate: 0.02,
  });
  // The customer with the most mentions becomes the one to erase, under ids and texts no other value contains.
  const mentions = generated.events.filter(
    (event): event is MentionReceived => event.type === 'MentionReceived',
  );
  const counts = new Map<string, number>();
  for (const mention of mentions)
    counts.set(
      `${mention.brandId} ${mention.authorId}`,
      (counts.get(`${mention.brandId} ${mention.authorId}`) ?? 0) + 1,
    );
  const [targetKey] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [''];
  const [brandId = '', simulatedAuthor = ''] = targetKey.split(' ');
  const authorId = `erasure-target-${marker}`;
  const textOf = (n: number) => `my account number is ${marker}-${n}, please help`;
  const messageOf = (n: number) => `erasure-message-${marker}-${n}`;
  let n = 0;
  const events = generated.events.map((event) => {
    if (event.type !== 'MentionReceived' || event.brandId !== brandId || event.authorId !== simulatedAuthor)
      return event;
    n += 1;
    return { ...event, authorId, messageId: messageOf(n), text: textOf(n) };
  });
  const targetMentions = n;
  // What must be nowhere after the erasure: the author id, every text, every message id.
  const personal = [authorId, marker];
  const range = `from=${new Date(startMs).toISOString()}&to=${new Date(startMs + 8 * HOUR).toISOString()}`;

  beforeAll(async () => {
    pipeline = await startPipeline({ partitions: 3, horizonHours: 1 });
    await feedScenario(pipeline, { profiles: generated.profiles, events });
    api = await startApi(
      loadApiConfig({ DATABASE_URL: pipeline.database.url, CARESTREAM_ADMIN_KEY: ADMIN_KEY, API_PORT: '0' }),
    );
  });

  afterAll(async () => {
    await api?.close();
    await pipeline?.close();
  });

  async function call(
    method: 'GET' | 'POST',
    url: string,
    options: { body?: unknown; accept?: string } = {},
  ) {
    const response = await api.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(options.accept ? { accept: options.accept } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
    });
    return { status: response.statusCode, text: response.body, headers: response.headers };
  }

  /** Every answer of the brand's routes, JSON and CSV. */
  async function everyAnswer(): Promise<string> {
    const base = `/v1/brands/${brandId}`;
    const paths = [
      `${base}/sla?${range}`,
      `${base}/sla/timeseries?${range}&granularity=hour`,
      `${base}/agents?${range}`,
      `${base}/backlog?limit=500`,
      `${base}/churn-risk?limit=500`,
      `${base}/benchmark?${range}`,
      '/v1/brands',
    ];
    const answers: string[] = [];
    for (const path of paths) {
      for (const accept of ['application/json', 'text/csv']) {
        const answer = await call('GET', path, { accept });
        expect(answer.status, `${path} ${accept}: ${answer.text.slice(0, 300)}`).toBe(200);
        // One page holds every item: nothing is left unchecked on a next page.
        if (accept === 'application/json') expect(answer.text).not.toMatch(/"nextCursor":"/);
        answers.push(answer.text);
      }
    }
    return answers.join('\n');
  }

  async function slaFigures(): Promise<string[]> {
    const figures: string[] = [];
    for (const profile of generated.profiles) {
      for (const path of [`sla?${range}`, `sla/timeseries?${range}&granularity=hour`, `agents?${range}`]) {
        figures.push((await call('GET', `/v1/brands/${profile.brandId}/${path}`)).text);
      }
    }
    return figures;
  }

  async function pgDump(): Promise<string> {
    const { stdout } = await run('pg_dump', ['--no-owner', pipeline.database.url], {
      maxBuffer: 512 * 1024 * 1024,
    });
    return stdout;
  }

  /** Every message of every topic of the pipeline: decoded through the registry where it decodes, raw besides. */
  async function everyTopic(): Promise<string> {
    const kafka = createKafka({ brokers: pipeline.env.KAFKA_BROKERS ?? '', clientId: 'erasure-test-reader' });
    const admin = kafka.admin();
    await admin.connect();
    const topics = Object.values(pipeline.names);
    const existing = new Set(await admin.listTopics());
    let expected = 0;
    for (const topic of topics.filter((t) => existing.has(t))) {
      for (const partition of await admin.fetchTopicOffsets(topic))
        expected += Number(partition.high) - Number(partition.low);
    }
    await admin.disconnect();
    const codec = EventCodec.forDecoding(
      new SchemaRegistry({ host: pipeline.env.SCHEMA_REGISTRY_URL ?? '' }),
    );
    const consumer = kafka.consumer({ groupId: `erasure-test-${randomUUID()}` });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: topics.filter((t) => existing.has(t)), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const decoded = await codec.decode(message.value).catch(() => undefined);
        seen.push(
          JSON.stringify(decoded ?? null),
          message.key?.toString('utf8') ?? '',
          message.value?.toString('latin1') ?? '',
        );
      },
    });
    const deadline = Date.now() + 60_000;
    while (seen.length / 3 < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await consumer.disconnect();
    expect(seen.length / 3).toBe(expected);
    return seen.join('\n');
  }

  /** What BI users read: the views that carry authors and messages. */
  async function biViews(): Promise<string> {
    const rows = [];
    for (const view of ['bi_open_mentions', 'bi_churn_signals']) {
      rows.push(...(await pipeline.pool.query(`select * from ${view}`)).rows);
    }
    return JSON.stringify(rows);
  }

  const containsPersonal = (text: string) => personal.filter((value) => text.includes(value));

  it('shows the author to the brand before, and nothing of them after the erasure, while figures stay the same', async () => {
    expect(targetMentions).toBeGreaterThan(1);
    // Nothing personal entered the log or the projections in clear, even before the erasure.
    expect(containsPersonal(await everyTopic())).toEqual([]);
    // The brand sees its customer, and the database holds what erasure must remove (so the checks below can fail).
    const churn = await call('GET', `/v1/brands/${brandId}/churn-risk?limit=500`);
    expect(churn.text).toContain(authorId);
    expect(containsPersonal(await pgDump())).toEqual(personal);
    const viewsBefore = await biViews();
    expect(viewsBefore).toContain(`"author_id":"${authorId}"`);
    expect(viewsBefore).toContain(`"message_id":"erasure-message-${marker}-`);
    const figuresBefore = await slaFigures();
    const bucketsBefore = (await pipeline.pool.query('select * from bi_sla_hourly order by 1, 2, 3, 4')).rows;

    const erased = await call('POST', '/v1/erasures', { body: { brandId, authorId } });
    expect(erased.status, erased.text).toBe(201);
    const record = JSON.parse(erased.text) as {
      erasureId: string;
      authorsErased: number;
      messagesErased: number;
    };
    expect(record).toMatchObject({ status: 'completed', subject: 'author', brandId, authorsErased: 1 });
    expect(record.messagesErased).toBeGreaterThanOrEqual(targetMentions);
    expect(erased.headers.location).toBe(`/v1/erasures/${record.erasureId}`);
    const readBack = await call('GET', `/v1/erasures/${record.erasureId}`);
    expect(JSON.parse(readBack.text)).toEqual(record);
    expect(containsPersonal(readBack.text)).toEqual([]);

    // At once: no answer names the author, and the figures are those from before.
    expect(containsPersonal(await everyAnswer())).toEqual([]);
    expect(await slaFigures()).toEqual(figuresBefore);

    // A replay rebuilds every projection from the log: the same figures, still nothing of the author.
    const { replayProjection, loadProcessorsConfig } = await import('@carestream/processors');
    await replayProjection(loadProcessorsConfig(pipeline.env), 'sla');
    expect((await pipeline.pool.query('select * from bi_sla_hourly order by 1, 2, 3, 4')).rows).toEqual(
      bucketsBefore,
    );
    expect(await slaFigures()).toEqual(figuresBefore);
    expect(containsPersonal(await everyAnswer())).toEqual([]);
    expect(containsPersonal(await pgDump())).toEqual([]);
    expect(containsPersonal(await everyTopic())).toEqual([]);
    const viewsAfter = await biViews();
    expect(containsPersonal(viewsAfter)).toEqual([]);
    expect(viewsAfter).toContain('"author_id":"[erased]"');
  });

  it('hides an author whose events a producer of its own wrote straight to Kafka, once erased', async () => {
    const direct = `direct-author-${marker.slice(0, 8)}`;
    const registry = new SchemaRegistry({ host: pipeline.env.SCHEMA_REGISTRY_URL ?? '' });
    const codec = await EventCodec.register(registry, pipeline.names);
    const producer = createKafka({
      brokers: pipeline.env.KAFKA_BROKERS ?? '',
      clientId: 'erasure-test-producer',
    }).producer();
    await producer.connect();
    const mention: MentionReceived = {
      type: 'MentionReceived',
      eventId: `direct-${marker}`,
      brandId,
      channel: 'x',
      conversationId: `direct-conversation-${marker}`,
      messageId: `direct-message-${marker}`,
      authorId: direct,
      receivedAt: Date.now() - HOUR,
      kind: 'complaint',
      needsResponse: true,
      sentiment: null,
      authorFollowers: 10,
      private: false,
      text: null,
    };
    expect(avroSubjects(pipeline.names).MentionReceived.topic).toBe(pipeline.names.interactions);
    await producer.send({
      topic: pipeline.names.interactions,
      messages: [{ key: `${brandId}:${mention.conversationId}`, value: await codec.encode(mention) }],
    });
    await producer.disconnect();
    await waitForCatchUp(pipeline);
    expect((await call('GET', `/v1/brands/${brandId}/backlog?limit=500`)).text).toContain(direct);

    expect((await call('POST', '/v1/erasures', { body: { brandId, authorId: direct } })).status).toBe(201);
    for (const accept of ['application/json', 'text/csv']) {
      const backlog = await call('GET', `/v1/brands/${brandId}/backlog?limit=500`, { accept });
      expect(backlog.text).not.toContain(direct);
      expect(backlog.text).not.toContain(`direct-message-${marker}`);
      expect(backlog.text).toContain('[erased]');
    }
    expect((await call('GET', `/v1/brands/${brandId}/churn-risk?limit=500`)).text).not.toContain(direct);
  });

  it('honours X deletions through /webhooks/x: a deleted tweet, then the user revoking the app', async () => {
    const secret = `x-secret-${marker}`;
    const account = '4400000001';
    const webhooks = await startIngest(
      loadIngestConfig({
        ...pipeline.env,
        CARESTREAM_RETENTION_DAYS: '36500',
        X_CONSUMER_SECRET: secret,
        WEBHOOK_ACCOUNT_BRANDS: JSON.stringify({ [account]: brandId }),
      }),
    );
    // 19-digit ids like X's, random so that no other value of the test contains them.
    const digits = () => `${randomInt(1, 10)}${Array.from({ length: 18 }, () => randomInt(0, 10)).join('')}`;
    const user = digits();
    const [deleted, kept] = [digits(), digits()];
    const words = `webhook words ${randomUUID()}`;
    const deliver = async (payload: unknown) => {
      const body = JSON.stringify(payload);
      const response = await webhooks.app.inject({
        method: 'POST',
        url: '/webhooks/x',
        payload: body,
        headers: {
          'content-type': 'application/json',
          'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', secret).update(body).digest('base64')}`,
        },
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ accepted: number; skipped: unknown[]; erased: number }>();
    };
    const tweet = (id: string, n: number) => ({
      id_str: id,
      text: `@brand ${words} ${n}`,
      timestamp_ms: String(Date.now() - 60_000 + n),
      in_reply_to_status_id_str: null,
      user: { id_str: user, followers_count: 321 },
    });
    try {
      const created = await deliver({
        for_user_id: account,
        tweet_create_events: [tweet(deleted, 1), tweet(kept, 2)],
      });
      expect(created).toMatchObject({ accepted: 2, erased: 0 });
      await waitForCatchUp(pipeline);
      const before = await call('GET', `/v1/brands/${brandId}/backlog?limit=500`);
      expect(before.text).toContain(user);
      expect(before.text).toContain(`"messageId":"${deleted}"`);
      // The X adapter keys a tweet's conversation by the tweet: the API and the BI views show the clear id.
      expect(before.text).toContain(`"conversationId":"${kept}"`);
      expect(before.text).toContain(`"mentionEventId":"x:tweet:${kept}"`);
      expect(await biViews()).toContain(`"conversation_id":"${kept}"`);
      const figuresBefore = await slaFigures();

      const tweetDeleted = await deliver({
        for_user_id: account,
        tweet_delete_events: [{ status: { id: deleted, user_id: user }, timestamp_ms: String(Date.now()) }],
      });
      expect(tweetDeleted).toEqual({ accepted: 0, skipped: [], erased: 1 });
      const afterDelete = await call('GET', `/v1/brands/${brandId}/backlog?limit=500`);
      expect(afterDelete.text).not.toContain(`"messageId":"${deleted}"`);
      expect(afterDelete.text).toContain(`"messageId":"${kept}"`);
      expect(afterDelete.text).toContain(user);

      const revoked = await deliver({
        for_user_id: account,
        user_event: {
          revoke: { date_time: new Date().toISOString(), target: { app_id: '1' }, source: { user_id: user } },
        },
      });
      expect(revoked).toEqual({ accepted: 0, skipped: [], erased: 1 });
      // The author's id, texts and tweet ids (which the X adapter also makes conversation and event ids of).
      const gone = (text: string) => [user, words, deleted, kept].filter((value) => text.includes(value));
      expect(gone(await everyAnswer())).toEqual([]);
      expect(await slaFigures()).toEqual(figuresBefore);
      const { replayProjection, loadProcessorsConfig } = await import('@carestream/processors');
      await replayProjection(loadProcessorsConfig(pipeline.env), 'sla');
      expect(gone(await everyAnswer())).toEqual([]);
      expect(await slaFigures()).toEqual(figuresBefore);
      expect(gone(await pgDump())).toEqual([]);
      expect(gone(await everyTopic())).toEqual([]);
      expect(gone(await biViews())).toEqual([]);
      const audit = await pipeline.pool.query<{ source: string; subject: string }>(
        `select source, subject from erasures where source = 'x-webhook' order by requested_at`,
      );
      expect(audit.rows).toEqual([
        { source: 'x-webhook', subject: 'message' },
        { source: 'x-webhook', subject: 'author' },
      ]);
    } finally {
      await webhooks.close();
    }
  });

  it('counts an erased author’s history imported after the erasure exactly as if it had come before', async () => {
    // One history fed to two brands: the control in time order; the other without the customer's later
    // conversations until that customer is erased, then with them (old history imported late, replies naming the
    // customer's messages). Erasure changes no figure, so the two brands' figures must be equal.
    const history = generateScenario({
      seed: 2027,
      conversations: 150,
      brands: 1,
      startMs,
      spanMs: 4 * HOUR,
      horizonMs: HOUR,
    });
    const talkers = new Map<string, number>();
    for (const event of history.events)
      if (event.type === 'MentionReceived')
        talkers.set(event.authorId, (talkers.get(event.authorId) ?? 0) + 1);
    const [customer = ''] = [...talkers].sort((x, y) => y[1] - x[1])[0] ?? [];
    const tag = marker.slice(0, 8);
    const brandOf = (name: string) => `order-${name}-${tag}`;
    const lateAuthor = `late-author-${marker}`;
    // The brand-specific copy of the history; the customer and their messages get ids no other value contains.
    const copy = <T>(value: T, name: string): T =>
      JSON.parse(JSON.stringify(value).replaceAll('brand-0', brandOf(name))) as T;
    const renamed = (name: string) => {
      const messages = new Map<string, string>();
      return history.events.map((original) => {
        const event = copy(original, name);
        if (event.type === 'MentionReceived' && event.authorId === customer) {
          const messageId = `late-message-${marker}-${name}-${messages.size}`;
          messages.set(event.messageId, messageId);
          return { ...event, authorId: `${lateAuthor}-${name}`, messageId };
        }
        if (event.type === 'ReplySent' && event.inReplyTo !== null && messages.has(event.inReplyTo))
          return { ...event, inReplyTo: messages.get(event.inReplyTo) ?? null };
        return event;
      });
    };
    const control = renamed('a');
    const late = renamed('b');
    const customerConversations = [
      ...new Set(
        late.flatMap((event) =>
          event.type === 'MentionReceived' && event.authorId === `${lateAuthor}-b`
            ? [event.conversationId]
            : [],
        ),
      ),
    ];
    expect(customerConversations.length).toBeGreaterThan(1);
    // The first of the customer's conversations arrives before the erasure, the others after it.
    const heldBack = new Set(customerConversations.slice(1));
    const isHeldBack = (event: (typeof late)[number]) =>
      event.type !== 'BrandPostPublished' && heldBack.has(event.conversationId);
    await feedScenario(pipeline, {
      profiles: [...copy(history.profiles, 'a'), ...copy(history.profiles, 'b')],
      events: [...control, ...late.filter((event) => !isHeldBack(event))],
    });
    const erased = await call('POST', '/v1/erasures', {
      body: { brandId: brandOf('b'), authorId: `${lateAuthor}-b` },
    });
    expect(erased.status, erased.text).toBe(201);
    await sendEvents(pipeline, late.filter(isHeldBack).map(toIngestItem));
    await waitForCatchUp(pipeline);

    const figures = async (name: string) => {
      const answers: string[] = [];
      for (const path of [`sla?${range}`, `sla/timeseries?${range}&granularity=hour`, `agents?${range}`]) {
        const answer = await call('GET', `/v1/brands/${brandOf(name)}/${path}`);
        expect(answer.status, answer.text).toBe(200);
        answers.push(answer.text.replaceAll(brandOf(name), 'brand'));
      }
      return answers;
    };
    const expected = await figures('a');
    expect(expected.join('')).toMatch(/"needingResponse":[1-9]/);
    expect(await figures('b')).toEqual(expected);
    // And nothing of the customer was stored again.
    expect(await pgDump()).not.toMatch(new RegExp(`${lateAuthor}-b|late-message-${marker}-b`));
  });

  it('refuses erasure to keys that are not admin keys, and bad bodies naming the field', async () => {
    const answer = await call('POST', '/v1/erasures', { body: { brandId } });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({
      error: { code: 'CARE_ERR_VALIDATION', field: 'authorId' },
    });
    expect((await call('GET', `/v1/erasures/${randomUUID()}`)).status).toBe(404);
    expect((await call('GET', '/v1/erasures/not-a-uuid')).status).toBe(404);
    const { ApiKeyStore } = await import('@carestream/api-keys');
    const reader = await new ApiKeyStore(pipeline.pool).create({ scope: 'read', brandIds: [brandId] });
    const refused = await api.app.inject({
      method: 'POST',
      url: '/v1/erasures',
      headers: { authorization: `Bearer ${reader.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ brandId, authorId: 'anyone' }),
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: { code: 'CARE_ERR_FORBIDDEN', field: 'authorization' } });
  });
});
