// Facts that arrive where the old design lost them: a brand profile read after the brand's events, replies
// weeks behind the newest mention, and an event produced straight to Kafka that is older than the retention
// window (counted, shown by the API, never dropped in silence).
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { loadApiConfig, startApi, type ApiRuntime } from '@carestream/api';
import type { BrandProfileSet, MentionReceived, ReplySent } from '@carestream/contract';
import { createKafka, EventCodec } from '@carestream/kafka';
import { toIngestItem } from '@carestream/simulator';
import { testServices } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, sendEvents, startPipeline, waitForCatchUp, type Pipeline } from './pipeline-harness.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 5, 1, 9);

const mention = (id: string, at: number, extra: Partial<MentionReceived> = {}): MentionReceived => ({
  type: 'MentionReceived',
  eventId: id,
  brandId: 'acme',
  channel: 'x',
  conversationId: `c-${id}`,
  messageId: `msg-${id}`,
  authorId: 'customer-1',
  receivedAt: at,
  kind: 'complaint',
  needsResponse: true,
  sentiment: -0.5,
  authorFollowers: null,
  private: false,
  text: null,
  ...extra,
});
const reply = (id: string, conversation: string, at: number): ReplySent => ({
  type: 'ReplySent',
  eventId: id,
  brandId: 'acme',
  channel: 'x',
  conversationId: `c-${conversation}`,
  messageId: `msg-${id}`,
  inReplyTo: null,
  agentId: 'agent-7',
  sentAt: at,
  automated: false,
  private: false,
});
const profile: BrandProfileSet = {
  type: 'BrandProfileSet',
  eventId: 'acme-profile-1',
  brandId: 'acme',
  name: 'Acme',
  industry: 'retail',
  timezone: 'Europe/Paris',
  businessHours: null,
  slaTargetSeconds: 3600,
  customerValue: null,
  ownAccountIds: ['acme_support'],
  setAt: T0 - DAY,
};

describe('late facts', () => {
  let pipeline: Pipeline;
  let api: ApiRuntime;

  beforeAll(async () => {
    // One partition: expiry follows the partition's newest event, so every conversation shares one clock here.
    pipeline = await startPipeline({ partitions: 1, horizonHours: 168 });
    api = await startApi(
      loadApiConfig({
        DATABASE_URL: pipeline.database.url,
        CARESTREAM_ADMIN_KEY: ADMIN_KEY,
        API_PORT: '0',
        // Each question is asked again after the pipeline moved: no cached answers.
        API_FIGURES_CACHE_MS: '0',
      }),
    );
  });

  afterAll(async () => {
    await api?.close();
    await pipeline?.close();
  });

  const sla = async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: `/v1/brands/acme/sla?from=${new Date(T0 - DAY).toISOString()}&to=${new Date(T0 + 60 * DAY).toISOString()}`,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode).toBe(200);
    return response.json<{
      needingResponse: number;
      answered: number;
      expired: number;
      open: number;
      unplaced: { olderThanRetention: number };
    }>();
  };

  it('answers mentions whose replies come weeks after newer mentions, and applies a profile read last', async () => {
    // Every mention first (the last one 50 days after the first), then every reply: a history import.
    const mentions = [
      mention('m1', T0),
      mention('m2', T0 + 2 * DAY),
      mention('own', T0 + 3 * DAY, { authorId: 'acme_support' }),
      mention('m3', T0 + 50 * DAY),
    ];
    const replies = [reply('r1', 'm1', T0 + 30 * 60_000), reply('r2', 'm2', T0 + 2 * DAY + 5 * HOUR)];
    await sendEvents(pipeline, [...mentions, ...replies].map(toIngestItem));
    await waitForCatchUp(pipeline);
    // No profile yet: acme_support is a customer like any other.
    expect(await sla()).toMatchObject({ needingResponse: 4, answered: 2, expired: 1, open: 1 });

    await sendEvents(pipeline, [toIngestItem(profile)]);
    await waitForCatchUp(pipeline);
    // The profile, read after the events, says acme_support is the brand's own account: its mention goes.
    expect(await sla()).toMatchObject({ needingResponse: 3, answered: 2, expired: 0, open: 1 });
  });

  it('counts an event produced straight to Kafka that is older than the retention window, and drops nothing else', async () => {
    const services = testServices();
    const codec = await EventCodec.register(
      new SchemaRegistry({ host: services.schemaRegistryUrl }),
      pipeline.names,
    );
    const producer = createKafka({ brokers: services.kafkaBrokers, clientId: 'late-facts' }).producer();
    await producer.connect();
    try {
      // In m3's conversation, 401 days before its newest event: it cannot be placed.
      const ancient = mention('ancient', T0 + 50 * DAY - 401 * DAY, { conversationId: 'c-m3' });
      await producer.send({
        topic: pipeline.names.interactions,
        messages: [{ key: 'acme:c-m3', value: await codec.encode(ancient) }],
      });
    } finally {
      await producer.disconnect();
    }
    await waitForCatchUp(pipeline);
    const figures = await sla();
    expect(figures.unplaced).toEqual({ olderThanRetention: 1 });
    expect(figures).toMatchObject({ needingResponse: 3, answered: 2 });
    const metrics = await pipeline.processors?.registry.getSingleMetricAsString(
      'carestream_sla_fold_outcomes_total',
    );
    expect(metrics).toMatch(/outcome="too-late"} 1/);
  });
});
