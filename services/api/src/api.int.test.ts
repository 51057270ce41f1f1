import { ApiKeyStore } from '@carestream/api-keys';
import { ErasureLog, IdentityResolver } from '@carestream/erasure';
import {
  benchmarkRow,
  churnRisk,
  emptySlaBucket,
  percentileRank,
  ResponseTimeSketch,
  slaBucketToJSON,
  type ChurnSignal,
  type SlaBucket,
} from '@carestream/domain';
import { createPool, migrate, type Pool } from '@carestream/postgres';
import { createTestDatabase, type TestDatabase } from '@carestream/test-support';
import { FIXED_INSTANTS } from '@carestream/test-support/fixed-clocks';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiMetrics } from './api-metrics.ts';
import { buildApiApp } from './app.ts';
import { ProjectionReader } from './projection-reader.ts';
import { startBucketCompactor } from '@carestream/processors';

const ADMIN_KEY = 'test-admin-key-0123456789';
const NOW = Date.parse('2026-03-10T12:30:00Z');
const FROM = '2026-03-10T00:00:00Z';
const TO = '2026-03-10T12:00:00Z';
const PERIOD = `from=${FROM}&to=${TO}`;

/** A bucket of `counters` with these answers (seconds) recorded the way the SLA projection records them. */
function bucket(
  counters: Partial<Record<keyof SlaBucket, number>> = {},
  answers: readonly number[] = [],
  businessAnswers: readonly number[] = [],
): SlaBucket {
  const response = new ResponseTimeSketch();
  const business = new ResponseTimeSketch();
  for (const seconds of answers) response.add(seconds);
  for (const seconds of businessAnswers) business.add(seconds);
  const within = (list: readonly number[], limit: number) => list.filter((s) => s <= limit).length;
  return {
    ...emptySlaBucket(),
    answered: answers.length,
    within30m: within(answers, 1800),
    within1h: within(answers, 3600),
    within4h: within(answers, 14_400),
    within24h: within(answers, 86_400),
    responseSumMs: answers.reduce((a, b) => a + b * 1000, 0),
    businessSumMs: businessAnswers.reduce((a, b) => a + b * 1000, 0),
    businessWithin30m: within(businessAnswers, 1800),
    businessWithin1h: within(businessAnswers, 3600),
    businessWithin4h: within(businessAnswers, 14_400),
    businessWithin24h: within(businessAnswers, 86_400),
    ...counters,
    responseSketch: response,
    businessSketch: business,
  };
}

async function insertSla(
  pool: Pool,
  brandId: string,
  hour: string,
  channel: string,
  agentId: string,
  value: SlaBucket,
): Promise<void> {
  const json = slaBucketToJSON(value);
  await pool.query(
    `insert into sla_g1.sla_hourly_deltas (brand_id, hour_start, channel, agent_id, needing_response, complaints, answered,
       expired, target_breaches, within_30m, within_1h, within_4h, within_24h, response_sum_ms,
       business_sum_ms, business_within_30m, business_within_1h, business_within_4h, business_within_24h,
       human_replies, automated_replies, brand_posts, response_sketch, business_sketch)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
       $23, $24)`,
    [
      brandId,
      hour,
      channel,
      agentId,
      json.needingResponse,
      json.complaints,
      json.answered,
      json.expired,
      json.targetBreaches,
      json.within30m,
      json.within1h,
      json.within4h,
      json.within24h,
      json.responseSumMs,
      json.businessSumMs,
      json.businessWithin30m,
      json.businessWithin1h,
      json.businessWithin4h,
      json.businessWithin24h,
      json.humanReplies,
      json.automatedReplies,
      json.brandPosts,
      Buffer.from(value.responseSketch.toBytes()),
      Buffer.from(value.businessSketch.toBytes()),
    ],
  );
}

async function insertProfile(
  pool: Pool,
  brandId: string,
  industry: string,
  options: { businessHours?: unknown; targetSeconds?: number } = {},
): Promise<void> {
  await pool.query(
    `insert into brand_profiles (brand_id, name, industry, timezone, business_hours, sla_target_seconds, set_at,
       event_id) values ($1, $1, $2, 'Europe/Paris', $3, $4, now(), $1)`,
    [
      brandId,
      industry,
      options.businessHours === undefined ? null : JSON.stringify(options.businessHours),
      options.targetSeconds ?? 3600,
    ],
  );
}

async function insertOpen(
  pool: Pool,
  id: string,
  brandId: string,
  channel: string,
  kind: string,
  receivedAt: string,
  extra: { sentiment?: number; followers?: number } = {},
): Promise<void> {
  await pool.query(
    `insert into sla_g1.open_mentions (mention_event_id, conversation_key, brand_id, channel, conversation_id,
       message_id, author_id, kind, sentiment, followers, private, received_at)
     values ($1, $2 || '/' || $1, $2, $3, 'conv-' || $1, 'msg-' || $1, 'author-' || $1, $4, $5, $6, false, $7)`,
    [id, brandId, channel, kind, extra.sentiment ?? null, extra.followers ?? null, receivedAt],
  );
}

const churnRows: { brandId: string; authorId: string; signal: ChurnSignal; slot: string }[] = [
  {
    brandId: 'acme',
    authorId: 'c1',
    slot: 'outcome',
    signal: {
      kind: 'ignored-complaint',
      intensity: 1,
      evidence: { mentionEventId: 'm-c1a', messageId: 'msg-c1a', at: NOW - 86_400_000 },
    },
  },
  {
    brandId: 'acme',
    authorId: 'c1',
    slot: 'outcome',
    signal: {
      kind: 'late-answer',
      intensity: 1,
      evidence: { mentionEventId: 'm-c1b', messageId: 'msg-c1b', at: NOW - 3_600_000 },
    },
  },
  {
    brandId: 'acme',
    authorId: 'c2',
    slot: 'outcome',
    signal: {
      kind: 'timely-answer',
      intensity: 1,
      evidence: { mentionEventId: 'm-c2', messageId: 'msg-c2', at: NOW - 3_600_000 },
    },
  },
  {
    brandId: 'acme',
    authorId: 'c3',
    slot: 'sentiment',
    signal: {
      kind: 'negative-sentiment',
      intensity: 0.5,
      evidence: { mentionEventId: 'm-c3', messageId: 'msg-c3', at: NOW - 7_200_000 },
    },
  },
  {
    brandId: 'globex',
    authorId: 'g1',
    slot: 'outcome',
    signal: {
      kind: 'ignored-complaint',
      intensity: 1,
      evidence: { mentionEventId: 'm-g1', messageId: 'msg-g1', at: NOW - 3_600_000 },
    },
  },
];

// With acme, six retail brands: a key for one of them still sees five others (benchmarks need 5 it cannot read).
const RETAIL_PEERS = ['globex', 'b3', 'b4', 'b5', 'b6'];

describe('query API against real Postgres', () => {
  let database: TestDatabase;
  let pool: Pool;
  let app: FastifyInstance;
  let readAcme: string;
  let readGlobex: string;
  let writeAcme: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 4 });
    const keys = new ApiKeyStore(pool, { adminKey: ADMIN_KEY });
    readAcme = (await keys.create({ scope: 'read', brandIds: ['acme'] })).token;
    readGlobex = (await keys.create({ scope: 'read', brandIds: ['globex'] })).token;
    writeAcme = (await keys.create({ scope: 'write', brandIds: ['acme'] })).token;

    await insertProfile(pool, 'acme', 'retail', {
      businessHours: [{ weekday: 2, open: '09:00', close: '17:00' }],
    });
    for (const peer of RETAIL_PEERS) await insertProfile(pool, peer, 'retail');
    await insertProfile(pool, 'initech', 'banking');

    // acme, this period [00:00, 12:00) on 2026-03-10
    await insertSla(
      pool,
      'acme',
      '2026-03-10T09:00:00Z',
      'x',
      '',
      bucket({ needingResponse: 4, complaints: 2, brandPosts: 3, expired: 1 }),
    );
    await insertSla(
      pool,
      'acme',
      '2026-03-10T09:00:00Z',
      'x',
      'ann',
      bucket({ humanReplies: 2 }, [600, 1200], [300, 900]),
    );
    await insertSla(
      pool,
      'acme',
      '2026-03-10T10:00:00Z',
      'facebook',
      '',
      bucket({ needingResponse: 2, automatedReplies: 1 }),
    );
    await insertSla(
      pool,
      'acme',
      '2026-03-10T10:00:00Z',
      'facebook',
      'bob',
      bucket({ humanReplies: 1 }, [7200]),
    );
    // acme, the previous period [2026-03-09 12:00, 2026-03-10 00:00), and one row before both
    await insertSla(pool, 'acme', '2026-03-09T20:00:00Z', 'x', '', bucket({ needingResponse: 3 }));
    await insertSla(pool, 'acme', '2026-03-09T20:00:00Z', 'x', 'ann', bucket({ humanReplies: 1 }, [60]));
    await insertSla(pool, 'acme', '2026-03-08T05:00:00Z', 'x', '', bucket({ needingResponse: 100 }));
    // retail peers: all on x; b3 also on facebook (facebook: 2 brands with acme, not published), the others also
    // on instagram (4 brands, not published): all channels minus x hides 5 brands, or 6, from any key, so it is
    // published
    for (const [index, peer] of RETAIL_PEERS.entries()) {
      await insertSla(pool, peer, '2026-03-10T08:00:00Z', 'x', '', bucket({ needingResponse: 10 + index }));
      await insertSla(
        pool,
        peer,
        '2026-03-10T08:00:00Z',
        'x',
        'agent',
        bucket(
          {},
          Array.from({ length: 5 + index }, (_, i) => 300 * (index + 1) + i),
        ),
      );
    }
    await insertSla(pool, 'b3', '2026-03-10T08:00:00Z', 'facebook', '', bucket({ needingResponse: 7 }));
    for (const peer of RETAIL_PEERS.filter((peer) => peer !== 'b3'))
      await insertSla(pool, peer, '2026-03-10T09:00:00Z', 'instagram', '', bucket({ needingResponse: 2 }));
    await insertSla(pool, 'initech', '2026-03-10T08:00:00Z', 'x', '', bucket({ needingResponse: 9 }));

    await insertOpen(pool, 'o1', 'acme', 'x', 'complaint', '2026-03-10T09:10:00Z', {
      sentiment: -0.8,
      followers: 5000,
    });
    await insertOpen(pool, 'o2', 'acme', 'facebook', 'question', '2026-03-10T10:20:00Z');
    await insertOpen(pool, 'o3', 'acme', 'x', 'other', '2026-03-09T20:00:00Z');
    await insertOpen(pool, 'g-open', 'globex', 'x', 'complaint', '2026-03-10T09:00:00Z');

    await pool.query(
      `insert into sla_g1.unplaced_events (brand_id, reason, events, last_event_id, last_seen_at)
       values ('acme', 'older-than-retention', 2, 'm-old', now())`,
    );
    for (const row of churnRows) {
      await pool.query(
        `insert into sla_g1.churn_signals (brand_id, author_id, mention_event_id, slot, kind, intensity, message_id, at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          row.brandId,
          row.authorId,
          row.signal.evidence.mentionEventId,
          row.slot,
          row.signal.kind,
          row.signal.intensity,
          row.signal.evidence.messageId,
          new Date(row.signal.evidence.at).toISOString(),
        ],
      );
    }

    app = await buildTestApp(pool, { rateLimitPerMinute: 10_000 });
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await database?.drop();
  });

  function get(url: string, token: string | null = ADMIN_KEY, headers: Record<string, string> = {}) {
    return app.inject({
      method: 'GET',
      url,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    });
  }

  describe('GET /v1/brands/{brandId}/sla', () => {
    it('answers the figures of the period and of the period before', async () => {
      const response = await get(`/v1/brands/acme/sla?${PERIOD}`, readAcme);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({
        brandId: 'acme',
        from: '2026-03-10T00:00:00.000Z',
        to: '2026-03-10T12:00:00.000Z',
        channel: null,
        needingResponse: 6,
        answered: 3,
        open: 2,
        expired: 1,
        complaints: 2,
        responseRate: 0.5,
        withinTarget: { '30m': 2 / 6, '1h': 2 / 6, '4h': 0.5, '24h': 0.5 },
        humanReplies: 3,
        automatedReplies: 1,
        brandPosts: 3,
        postsPerReply: 1,
      });
      expect(body.responseTimeSeconds.mean).toBeCloseTo(3000, 6);
      expect(body.responseTimeSeconds.p50).toBeGreaterThan(1200 * 0.99);
      expect(body.responseTimeSeconds.p50).toBeLessThan(1200 * 1.01);
      expect(Math.abs(body.responseTimeSeconds.min / 600 - 1)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(body.responseTimeSeconds.max / 7200 - 1)).toBeLessThanOrEqual(0.01);
      expect(body.businessHours.answered).toBe(2);
      expect(body.businessHours.responseTimeSeconds.mean).toBeCloseTo(600, 6);
      expect(body.businessHours.withinTarget['30m']).toBeCloseTo(2 / 6, 9);
      expect(body.previous).toMatchObject({
        from: '2026-03-09T12:00:00.000Z',
        to: '2026-03-10T00:00:00.000Z',
        needingResponse: 3,
        answered: 1,
        open: 1,
        expired: 0,
        responseRate: 1 / 3,
        humanReplies: 1,
        brandPosts: 0,
        postsPerReply: 0,
      });
      expect(Object.keys(body).sort()).toEqual(
        [
          'brandId',
          'channel',
          'from',
          'to',
          'needingResponse',
          'answered',
          'open',
          'expired',
          'complaints',
          'responseRate',
          'responseTimeSeconds',
          'withinTarget',
          'businessHours',
          'targetBreaches',
          'humanReplies',
          'automatedReplies',
          'brandPosts',
          'postsPerReply',
          'previous',
          'unplaced',
        ].sort(),
      );
      // Events the processors could not place, over all time: acme has some, globex none.
      expect(body.unplaced).toEqual({ olderThanRetention: 2 });
      expect((await get(`/v1/brands/globex/sla?${PERIOD}`)).json().unplaced).toEqual({
        olderThanRetention: 0,
      });
    });

    it('filters by channel, widens the period to whole hours and nulls what has no denominator', async () => {
      const response = await get(
        '/v1/brands/acme/sla?channel=facebook&from=2026-03-10T10:15:00Z&to=2026-03-10T10:45:00%2B00:00',
      );
      const body = response.json();
      expect(body).toMatchObject({
        from: '2026-03-10T10:00:00.000Z',
        to: '2026-03-10T11:00:00.000Z',
        channel: 'facebook',
        needingResponse: 2,
        answered: 1,
        open: 1,
        humanReplies: 1,
        automatedReplies: 1,
      });
      expect(body.previous).toMatchObject({ needingResponse: 0, responseRate: null, postsPerReply: null });
      expect(body.previous.withinTarget).toEqual({ '30m': null, '1h': null, '4h': null, '24h': null });
      expect(body.previous.responseTimeSeconds).toEqual({
        mean: null,
        p50: null,
        p90: null,
        p99: null,
        min: null,
        max: null,
      });
    });

    it('answers businessHours null for a brand that keeps no business hours', async () => {
      const body = (await get(`/v1/brands/globex/sla?${PERIOD}`)).json();
      expect(body.needingResponse).toBe(10 + 2); // x and instagram
      expect(body.businessHours).toBeNull();
    });

    it('defaults to the last 24 hours, ending with the current hour', async () => {
      const body = (await get('/v1/brands/acme/sla')).json();
      expect(body.from).toBe('2026-03-09T13:00:00.000Z');
      expect(body.to).toBe('2026-03-10T13:00:00.000Z');
      expect(body.needingResponse).toBe(9);
      const week = (await get('/v1/brands/acme/sla?window=7d')).json();
      expect(week.from).toBe('2026-03-03T13:00:00.000Z');
      expect(week.needingResponse).toBe(109);
    });

    it('answers CSV with dotted headers on Accept: text/csv', async () => {
      const response = await get(`/v1/brands/acme/sla?${PERIOD}`, readAcme, { accept: 'text/csv' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);
      const [header, row, end] = response.body.split('\r\n');
      expect(end).toBe('');
      const columns = (header ?? '').split(',');
      const cells = (row ?? '').split(',');
      const cell = (name: string) => cells[columns.indexOf(name)];
      expect(columns).toContain('withinTarget.30m');
      expect(columns).toContain('previous.responseTimeSeconds.p50');
      expect(columns).toContain('businessHours.responseTimeSeconds.mean');
      expect(cell('brandId')).toBe('acme');
      expect(cell('needingResponse')).toBe('6');
      expect(cell('channel')).toBe('');
      expect(cell('previous.needingResponse')).toBe('3');
    });
  });

  describe('GET /v1/brands/{brandId}/sla/timeseries', () => {
    it('answers every hour of the period, zero-filled', async () => {
      const response = await get(
        '/v1/brands/acme/sla/timeseries?from=2026-03-10T09:00:00Z&to=2026-03-10T12:00:00Z&granularity=hour',
      );
      expect(response.statusCode).toBe(200);
      const { items } = response.json();
      expect(pluck(items, 'bucketStart')).toEqual([
        '2026-03-10T09:00:00.000Z',
        '2026-03-10T10:00:00.000Z',
        '2026-03-10T11:00:00.000Z',
      ]);
      expect(items[0]).toMatchObject({ needingResponse: 4, answered: 2, responseRate: 0.5 });
      expect(items[0].responseTimeSeconds.p50).toBeGreaterThan(590);
      expect(items[1]).toMatchObject({ needingResponse: 2, answered: 1, responseRate: 0.5 });
      expect(items[2]).toEqual({
        bucketStart: '2026-03-10T11:00:00.000Z',
        needingResponse: 0,
        answered: 0,
        responseRate: null,
        responseTimeSeconds: { p50: null, p90: null },
      });
    });

    it('answers UTC days', async () => {
      const { items } = (
        await get(
          '/v1/brands/acme/sla/timeseries?from=2026-03-08T00:00:00Z&to=2026-03-11T00:00:00Z&granularity=day',
        )
      ).json();
      expect(pluck(items, 'needingResponse')).toEqual([100, 3, 6]);
      expect(items[2].bucketStart).toBe('2026-03-10T00:00:00.000Z');
    });

    it('answers CSV rows, one per bucket', async () => {
      const response = await get(
        '/v1/brands/acme/sla/timeseries?from=2026-03-10T09:00:00Z&to=2026-03-10T12:00:00Z',
        ADMIN_KEY,
        { accept: 'text/csv' },
      );
      const lines = response.body.trimEnd().split('\r\n');
      expect(lines[0]).toBe(
        'bucketStart,needingResponse,answered,responseRate,responseTimeSeconds.p50,responseTimeSeconds.p90',
      );
      expect(lines).toHaveLength(4);
      expect(lines[3]).toBe('2026-03-10T11:00:00.000Z,0,0,,,');
    });
  });

  describe('GET /v1/brands/{brandId}/agents', () => {
    it('answers agents by answers, most first, a page at a time', async () => {
      const first = (await get(`/v1/brands/acme/agents?${PERIOD}&limit=1`)).json();
      expect(first.items).toHaveLength(1);
      expect(first.items[0]).toMatchObject({ agentId: 'ann', answered: 2, humanReplies: 2 });
      expect(first.items[0].responseTimeSeconds.mean).toBeCloseTo(900, 6);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = (
        await get(`/v1/brands/acme/agents?${PERIOD}&limit=1&cursor=${first.nextCursor as string}`)
      ).json();
      expect(second.items).toEqual([
        expect.objectContaining({ agentId: 'bob', answered: 1, humanReplies: 1 }),
      ]);
      expect(second.nextCursor).toBeNull();
    });

    it('refuses a cursor of another query, naming the cursor', async () => {
      const first = (await get(`/v1/brands/acme/agents?${PERIOD}&limit=1`)).json();
      const response = await get(
        `/v1/brands/acme/agents?${PERIOD}&channel=x&limit=1&cursor=${first.nextCursor as string}`,
      );
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'CARE_ERR_VALIDATION', field: 'cursor' });
    });

    it('sends the next cursor in a header with CSV', async () => {
      const response = await get(`/v1/brands/acme/agents?${PERIOD}&limit=1`, ADMIN_KEY, {
        accept: 'text/csv',
      });
      expect(response.headers['x-next-cursor']).toEqual(expect.any(String));
      expect(response.body.split('\r\n')[0]).toBe(
        'agentId,answered,humanReplies,responseTimeSeconds.mean,responseTimeSeconds.p50,responseTimeSeconds.p90',
      );
    });
  });

  describe('GET /v1/brands/{brandId}/backlog', () => {
    it('ranks the open mentions by urgency with age, target and reasons', async () => {
      const body = (await get('/v1/brands/acme/backlog')).json();
      expect(pluck(body.items, 'mentionEventId')).toEqual(['o1', 'o3', 'o2']);
      expect(body.items[0]).toMatchObject({
        conversationId: 'conv-o1',
        messageId: 'msg-o1',
        authorId: 'author-o1',
        channel: 'x',
        kind: 'complaint',
        receivedAt: '2026-03-10T09:10:00.000Z',
        ageSeconds: 12_000,
        pastTarget: true,
        sentiment: -0.8,
        followers: 5000,
      });
      expect(body.items[0].reasons).toContain('a complaint');
      expect(body.items[2]).toMatchObject({ mentionEventId: 'o2', ageSeconds: 7800, pastTarget: true });
      expect(body.items[0].score).toBeGreaterThan(body.items[1].score);
      expect(body.nextCursor).toBeNull();
    });

    it('judges each open mention by the SLA target in force when it was received', async () => {
      // initech: 4 hours until an hour ago, 15 minutes since (its profile table holds the latest only).
      for (const [eventId, setAt, targetMs] of [
        ['v1', '2026-03-01T00:00:00Z', 4 * 3_600_000],
        ['v2', '2026-03-10T11:30:00Z', 15 * 60_000],
      ] as const)
        await pool.query(
          `insert into sla_g1.brand_rules (brand_id, event_id, set_at, sla_target_ms, own_account_ids, timezone)
           values ('initech', $1, $2, $3, '{}', 'UTC')`,
          [eventId, setAt, targetMs],
        );
      await insertOpen(pool, 'i-before', 'initech', 'x', 'question', '2026-03-10T09:30:00Z');
      await insertOpen(pool, 'i-after', 'initech', 'x', 'question', '2026-03-10T12:00:00Z');
      const { items } = (await get('/v1/brands/initech/backlog')).json();
      const byId = Object.fromEntries(
        (items as { mentionEventId: string; ageSeconds: number; pastTarget: boolean }[]).map((item) => [
          item.mentionEventId,
          [item.ageSeconds, item.pastTarget],
        ]),
      );
      // 3 hours of a 4-hour target: not past; 30 minutes of a 15-minute one: past.
      expect(byId).toEqual({ 'i-before': [3 * 3600, false], 'i-after': [30 * 60, true] });
    });

    it('filters by channel and pages', async () => {
      const first = (await get('/v1/brands/acme/backlog?channel=x&limit=1')).json();
      expect(pluck(first.items, 'mentionEventId')).toEqual(['o1']);
      const second = (
        await get(`/v1/brands/acme/backlog?channel=x&limit=1&cursor=${first.nextCursor as string}`)
      ).json();
      expect(pluck(second.items, 'mentionEventId')).toEqual(['o3']);
      expect(second.nextCursor).toBeNull();
    });

    it('joins plain reasons in one CSV cell, quoted when needed', async () => {
      const response = await get('/v1/brands/acme/backlog?limit=1', ADMIN_KEY, { accept: 'text/csv' });
      expect(response.body).toContain(
        '"a complaint; negative sentiment (-0.8); audience of 5,000 followers; ',
      );
    });
  });

  describe('GET /v1/brands/{brandId}/churn-risk', () => {
    it('answers customers by the domain churn score, highest first, with evidence', async () => {
      const body = (await get('/v1/brands/acme/churn-risk')).json();
      const expected = (authorId: string) =>
        churnRisk(
          churnRows
            .filter((row) => row.brandId === 'acme' && row.authorId === authorId)
            .map((row) => row.signal),
          NOW,
        );
      expect(pluck(body.items, 'authorId')).toEqual(['c1', 'c3', 'c2']);
      expect(body.items[0].score).toBeCloseTo(expected('c1').score, 9);
      expect(body.items[0].level).toBe('high');
      expect(body.items[0].reasons[0]).toMatchObject({
        signal: 'ignored-complaint',
        weight: 0.33,
        mentionEventId: 'm-c1a',
        messageId: 'msg-c1a',
        at: new Date(NOW - 86_400_000).toISOString(),
      });
      expect(body.items[2]).toMatchObject({ authorId: 'c2', score: 0, level: 'low' });
      expect(body.nextCursor).toBeNull();
    });

    it('filters by level', async () => {
      const body = (await get('/v1/brands/acme/churn-risk?level=high')).json();
      expect(pluck(body.items, 'authorId')).toEqual(['c1']);
    });
  });

  describe('benchmarks', () => {
    /** What the domain publishes for retail over the period, from the same buckets. */
    function expectedRetail(channel: 'x' | null) {
      const acme = {
        brandId: 'acme',
        needingResponse: channel === 'x' ? 4 : 6,
        answered: channel === 'x' ? 2 : 3,
        responseSketch: bucket({}, channel === 'x' ? [600, 1200] : [600, 1200, 7200]).responseSketch,
      };
      const peers = RETAIL_PEERS.map((brandId, index) => ({
        brandId,
        needingResponse: 10 + index + (channel === null ? (brandId === 'b3' ? 7 : 2) : 0),
        answered: 5 + index,
        responseSketch: bucket(
          {},
          Array.from({ length: 5 + index }, (_, i) => 300 * (index + 1) + i),
        ).responseSketch,
      }));
      return { aggregates: [acme, ...peers], row: benchmarkRow([acme, ...peers]) };
    }

    it('publishes industries with at least 5 brands only, per channel and for all channels', async () => {
      const response = await get(`/v1/benchmarks/industries?${PERIOD}`, readGlobex);
      expect(response.statusCode).toBe(200);
      const { items, nextCursor } = response.json();
      expect(nextCursor).toBeNull();
      expect(
        (items as { industry: string; channel: string | null }[]).map((item) => [
          item.industry,
          item.channel,
        ]),
      ).toEqual([
        ['retail', null],
        ['retail', 'x'],
      ]);
      for (const item of items) {
        const { row } = expectedRetail(item.channel);
        expect(item).toMatchObject({
          brands: row?.brands,
          needingResponse: row?.needingResponse,
          answered: row?.answered,
          responseRate: row?.responseRate,
          responseTimeSeconds: { p50: row?.p50Seconds, p90: row?.p90Seconds },
        });
      }
      expect(JSON.stringify(items)).not.toMatch(/acme|globex|initech|b3/);
    });

    it('answers one industry, and nothing for an unpublished one', async () => {
      const retail = (await get(`/v1/benchmarks/industries/retail?${PERIOD}&channel=x`)).json();
      expect(retail.items).toHaveLength(1);
      expect(retail.items[0]).toMatchObject({
        industry: 'retail',
        channel: 'x',
        brands: 6,
        days: ['2026-03-10'],
      });
      const banking = (await get(`/v1/benchmarks/industries/banking?${PERIOD}`)).json();
      expect(banking.items).toEqual([]);
      const bad = await get('/v1/benchmarks/industries/Not_A_Slug');
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('industry');
    });

    it('ranks a brand in its industry', async () => {
      const response = await get(`/v1/brands/acme/benchmark?${PERIOD}`, readAcme);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      const { aggregates, row } = expectedRetail(null);
      const rates = aggregates.map((brand) => brand.answered / brand.needingResponse);
      const medians = aggregates.map((brand) => brand.responseSketch.quantile(0.5) ?? 0);
      expect(body).toMatchObject({
        brandId: 'acme',
        industry: 'retail',
        from: '2026-03-10T00:00:00.000Z',
        to: '2026-03-11T00:00:00.000Z',
        channel: null,
        brand: { needingResponse: 6, answered: 3, responseRate: 0.5 },
        percentileRank: {
          responseRate: percentileRank(0.5, rates, 'higher'),
          medianResponseTime: percentileRank(medians[0] ?? 0, medians, 'lower'),
        },
        benchmark: { industry: 'retail', channel: null, brands: 6, needingResponse: row?.needingResponse },
      });
    });

    describe('in whole UTC days, each with 5 brands the key cannot read (differencing)', () => {
      // Telecom, February 2026: six brands on each of days 1–10; on day 11 only t1 and t2; on day 12 t1–t5.
      const TELECOM = ['t1', 't2', 't3', 't4', 't5', 't6'];
      const dayOf = (day: number) => `2026-02-${String(day).padStart(2, '0')}`;
      const brandsOn = (day: number) =>
        day <= 10 ? TELECOM : day === 11 ? ['t1', 't2'] : TELECOM.slice(0, 5);
      let readT1: string;
      let readT6: string;

      beforeAll(async () => {
        const keys = new ApiKeyStore(pool, { adminKey: ADMIN_KEY });
        readT1 = (await keys.create({ scope: 'read', brandIds: ['t1'] })).token;
        readT6 = (await keys.create({ scope: 'read', brandIds: ['t6'] })).token;
        for (const brandId of TELECOM) await insertProfile(pool, brandId, 'telecom');
        for (let day = 1; day <= 12; day++) {
          for (const [k, brandId] of brandsOn(day).entries()) {
            await insertSla(
              pool,
              brandId,
              `${dayOf(day)}T09:00:00Z`,
              'x',
              '',
              bucket(
                { needingResponse: 10 * (k + 1) + day },
                Array.from({ length: k + 1 }, () => 600 * day),
              ),
            );
          }
        }
      });

      const telecom = async (from: string, to: string, key: string) => {
        const response = await get(`/v1/benchmarks/industries/telecom?from=${from}&to=${to}`, key);
        expect(response.statusCode).toBe(200);
        return response.json<{
          items: { channel: string | null; needingResponse: number; days: string[] }[];
        }>().items;
      };

      it('answers two periods differing by a day on which one brand besides the caller contributed alike: the difference reveals nothing', async () => {
        const periodA = await telecom('2026-02-01T00:00:00Z', '2026-02-11T00:00:00Z', readT1); // days 1–10
        const periodB = await telecom('2026-02-01T00:00:00Z', '2026-02-12T00:00:00Z', readT1); // days 1–11
        expect(periodA.map((item) => item.channel)).toEqual([null, 'x']);
        expect(periodA[0]?.days).toEqual(Array.from({ length: 10 }, (_, i) => dayOf(i + 1)));
        expect(periodB).toEqual(periodA);
        // Day 11 has figures (t1's, known to the caller, and t2's alone): without whole days passing each on their
        // own, B − A would be t2's day 11.
        const t2 = (await get(`/v1/brands/t2/sla?from=2026-02-11T00:00:00Z&to=2026-02-12T00:00:00Z`)).json();
        expect(t2.needingResponse).toBe(31);
        // A period inside days is widened to them: the same answer again.
        expect(await telecom('2026-02-01T06:00:00Z', '2026-02-10T18:00:00Z', readT1)).toEqual(periodA);
      });

      it('does not count the brands a key can read toward the 5: a day of five brands counts for one key and not another', async () => {
        const days = async (key: string) =>
          (await telecom('2026-02-01T00:00:00Z', '2026-02-13T00:00:00Z', key))[0]?.days ?? [];
        const firstTen = Array.from({ length: 10 }, (_, i) => dayOf(i + 1));
        // Day 12: t1–t5. For t1's key that is four brands it cannot read; for t6's key (and the admin key) five.
        expect(await days(readT1)).toEqual(firstTen);
        expect(await days(readT6)).toEqual([...firstTen, dayOf(12)]);
        expect(await days(ADMIN_KEY)).toEqual([...firstTen, dayOf(12)]);

        const ranked = (
          await get('/v1/brands/t1/benchmark?from=2026-02-01T00:00:00Z&to=2026-02-13T00:00:00Z', readT1)
        ).json();
        expect(ranked).toMatchObject({
          from: '2026-02-01T00:00:00.000Z',
          to: '2026-02-13T00:00:00.000Z',
          // t1's own figures over the whole period; the industry row and the ranks over the days counted.
          brand: { needingResponse: Array.from({ length: 12 }, (_, i) => 11 + i).reduce((a, b) => a + b, 0) },
          benchmark: { channel: null, brands: 6, days: firstTen },
        });
        expect(ranked.percentileRank.responseRate).not.toBeNull();
      });
    });

    it('gives no ranks where the industry is not published', async () => {
      const body = (await get(`/v1/brands/initech/benchmark?${PERIOD}`)).json();
      expect(body).toMatchObject({
        industry: 'banking',
        brand: { needingResponse: 9 },
        percentileRank: { responseRate: null, medianResponseTime: null },
        benchmark: null,
      });
    });
  });

  describe('bad parameters: a 400 naming each', () => {
    const cases: [string, string][] = [
      ['/v1/brands/acme/sla?from=yesterday&to=2026-03-10T00:00:00Z', 'from'],
      ['/v1/brands/acme/sla?from=2026-03-10T00:00:00Z', 'to'],
      ['/v1/brands/acme/sla?to=2026-03-10T00:00:00Z', 'from'],
      ['/v1/brands/acme/sla?from=2026-03-10T00:00:00Z&to=2026-02-30T00:00:00Z', 'to'],
      ['/v1/brands/acme/sla?from=2026-03-10T05:00:00Z&to=2026-03-10T05:00:00Z', 'from'],
      ['/v1/brands/acme/sla?from=2026-03-10T06:00:00Z&to=2026-03-10T05:00:00Z', 'from'],
      ['/v1/brands/acme/sla?from=2026-03-10T00:00:00+01:00&to=2026-03-11T00:00:00Z', 'from'],
      ['/v1/brands/acme/sla?window=24h&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z', 'window'],
      ['/v1/brands/acme/sla?window=2d', 'window'],
      ['/v1/brands/acme/sla?channel=myspace', 'channel'],
      ['/v1/brands/acme/sla?channel=x&channel=facebook', 'channel'],
      ['/v1/brands/acme/sla?colour=blue', 'colour'],
      ['/v1/brands/acme/sla?granularity=hour', 'granularity'],
      ['/v1/brands/acme/sla/timeseries?granularity=week', 'granularity'],
      ['/v1/brands/acme/agents?limit=0', 'limit'],
      ['/v1/brands/acme/agents?limit=501', 'limit'],
      ['/v1/brands/acme/agents?limit=ten', 'limit'],
      ['/v1/brands/acme/agents?cursor=not*a*cursor', 'cursor'],
      ['/v1/brands/acme/agents?cursor=bm9wZQ', 'cursor'],
      ['/v1/brands/acme/backlog?window=24h', 'window'],
      ['/v1/brands/acme/churn-risk?level=critical', 'level'],
      ['/v1/benchmarks/industries?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
    ];
    it.each(cases)('%s → field %s', async (url, field) => {
      const response = await get(url);
      expect(response.statusCode).toBe(400);
      const { error } = response.json();
      expect(error.code).toBe('CARE_ERR_VALIDATION');
      expect(error.field).toBe(field);
      expect(error.message.length).toBeGreaterThan(10);
    });

    it('explains an unencoded "+" in an offset', async () => {
      const { error } = (
        await get('/v1/brands/acme/sla?from=2026-03-10T00:00:00+01:00&to=2026-03-11T00:00:00Z')
      ).json();
      expect(error.message).toContain('%2B');
    });
  });

  describe('access', () => {
    const brandRoutes = (brandId: string) => [
      `/v1/brands/${brandId}/sla`,
      `/v1/brands/${brandId}/sla/timeseries`,
      `/v1/brands/${brandId}/agents`,
      `/v1/brands/${brandId}/backlog`,
      `/v1/brands/${brandId}/churn-risk`,
      `/v1/brands/${brandId}/benchmark`,
    ];

    it('answers 401 without a key or with an unknown key', async () => {
      for (const url of [...brandRoutes('acme'), '/v1/benchmarks/industries']) {
        const missing = await get(url, null);
        expect(missing.statusCode).toBe(401);
        expect(missing.json().error).toMatchObject({ code: 'CARE_ERR_UNAUTHORIZED', field: 'authorization' });
        expect((await get(url, 'cs_unknown00000_' + 'a'.repeat(43))).statusCode).toBe(401);
      }
    });

    it('answers 403 to a write-only key', async () => {
      const response = await get('/v1/brands/acme/sla', writeAcme);
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toMatchObject({ code: 'CARE_ERR_FORBIDDEN', field: 'authorization' });
    });

    it('hides every other brand from a brand-limited key: 404 exactly as for a brand that does not exist', async () => {
      for (const url of brandRoutes('acme')) {
        const foreign = await get(url, readGlobex);
        const missing = await get(url.replace('acme', 'no-such-brand'), ADMIN_KEY);
        expect(foreign.statusCode, url).toBe(404);
        expect(missing.statusCode, url).toBe(404);
        expect(foreign.json().error).toMatchObject({ code: 'CARE_ERR_NOT_FOUND', field: 'brandId' });
        expect(foreign.json().error.message).not.toContain('globex');
        // Even a bad parameter does not reveal that the brand exists.
        expect((await get(`${url}?colour=blue`, readGlobex)).statusCode, url).toBe(404);
      }
      for (const url of brandRoutes('globex')) {
        const own = await get(url, readGlobex);
        expect(own.statusCode, url).toBe(200);
        expect(own.body).not.toMatch(/acme|"o1"|"c1"|"ann"|"bob"|m-c1a/);
      }
    });

    it('answers 404 for a brand id longer than any brand can have, on every brand route (not 414)', async () => {
      for (const url of brandRoutes('b'.repeat(300))) {
        const response = await get(url, ADMIN_KEY);
        expect(response.statusCode, url).toBe(404);
        expect(response.json().error).toMatchObject({ code: 'CARE_ERR_NOT_FOUND', field: 'brandId' });
      }
    });

    it('lets a brand-limited key read the anonymous industry benchmarks, without other brands in them', async () => {
      for (const url of [
        '/v1/benchmarks/industries',
        '/v1/benchmarks/industries/retail',
        '/v1/brands/globex/benchmark',
      ]) {
        const response = await get(`${url}?${PERIOD}`, readGlobex);
        expect(response.statusCode, url).toBe(200);
        expect(response.body).not.toMatch(/acme|initech|b3|b4|b5/);
      }
    });
  });

  describe('figures cache (API_FIGURES_CACHE_MS)', () => {
    // A brand of its own (SLA rows, no profile), so the other tests' figures are untouched.
    let cached: FastifyInstance;
    let now = NOW;

    beforeAll(async () => {
      await insertSla(pool, 'cacheco', '2026-03-10T09:00:00Z', 'x', '', bucket({ needingResponse: 4 }));
      cached = await buildTestApp(pool, { rateLimitPerMinute: 1000, figuresCacheMs: 1000, clock: () => now });
    });
    afterAll(async () => {
      await cached?.close();
    });

    const get = async (url: string, key: string) =>
      cached.inject({ url, headers: { authorization: `Bearer ${key}` } });

    it('answers the same question from the cache for a second, then from the projections again', async () => {
      const sla = `/v1/brands/cacheco/sla?${PERIOD}`;
      const series = `/v1/brands/cacheco/sla/timeseries?${PERIOD}&granularity=day`;
      expect((await get(sla, ADMIN_KEY)).json().needingResponse).toBe(4);
      expect((await get(series, ADMIN_KEY)).json().items[0].needingResponse).toBe(4);
      await insertSla(
        pool,
        'cacheco',
        '2026-03-10T10:00:00Z',
        'facebook',
        '',
        bucket({ needingResponse: 3 }),
      );

      now += 999;
      expect((await get(sla, ADMIN_KEY)).json().needingResponse).toBe(4);
      expect((await get(series, ADMIN_KEY)).json().items[0].needingResponse).toBe(4);
      // Another question (one channel) is not the cached one.
      expect((await get(`${sla}&channel=facebook`, ADMIN_KEY)).json().needingResponse).toBe(3);

      now += 1;
      expect((await get(sla, ADMIN_KEY)).json().needingResponse).toBe(7);
      expect((await get(series, ADMIN_KEY)).json().items[0].needingResponse).toBe(7);

      const metrics = (await cached.inject('/metrics')).body;
      expect(metrics).toMatch(/carestream_api_cache_total\{cache="sla",result="hit"\} 1\b/);
      expect(metrics).toMatch(/carestream_api_cache_total\{cache="sla",result="miss"\} 3\b/);
      expect(metrics).toMatch(/carestream_api_cache_total\{cache="sla_timeseries",result="hit"\} 1\b/);
    });

    it('checks who may see a brand before the cache: a cached answer is still 404 for another brand’s key', async () => {
      const sla = `/v1/brands/cacheco/sla?${PERIOD}`;
      expect((await get(sla, ADMIN_KEY)).statusCode).toBe(200);
      const refused = await get(sla, readGlobex);
      expect(refused.statusCode).toBe(404);
      expect(refused.body).not.toContain('needingResponse');
    });
  });

  describe('rate limits, documents and operations', () => {
    it('limits requests per key with 429 and Retry-After', async () => {
      const limited = await buildTestApp(pool, { rateLimitPerMinute: 2 });
      try {
        const call = (token: string) =>
          limited.inject({
            method: 'GET',
            url: '/v1/brands/acme/sla',
            headers: { authorization: `Bearer ${token}` },
          });
        expect((await call(readAcme)).statusCode).toBe(200);
        expect((await call(readAcme)).statusCode).toBe(200);
        const third = await call(readAcme);
        expect(third.statusCode).toBe(429);
        expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
        expect(third.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0' });
        expect(third.json().error).toMatchObject({
          code: 'CARE_ERR_RATE_LIMITED',
          field: 'authorization',
          message: expect.stringContaining('API_RATE_LIMIT_PER_MINUTE') as unknown,
        });
        // Another key has its own budget.
        expect((await call(ADMIN_KEY)).statusCode).toBe(200);
        // Probes are not limited.
        for (let i = 0; i < 4; i++) expect((await limited.inject('/healthz')).statusCode).toBe(200);
      } finally {
        await limited.close();
      }
    });

    describe('failed authentications per client address (API_AUTH_FAILURE_LIMIT, _WINDOW_SECONDS)', () => {
      const WINDOW_MS = 600_000;
      let now = NOW;
      let guarded: FastifyInstance;
      beforeAll(async () => {
        guarded = await buildTestApp(pool, {
          rateLimitPerMinute: 10_000,
          clock: () => now,
          authFailures: { limit: 3, windowMs: WINDOW_MS },
        });
      });
      afterAll(async () => {
        await guarded?.close();
      });

      const call = (token: string | null, remoteAddress = '203.0.113.10') =>
        guarded.inject({
          url: '/v1/brands/acme/sla',
          remoteAddress,
          headers: token === null ? {} : { authorization: `Bearer ${token}` },
        });
      // The key id of readAcme with another secret: a known key, the wrong secret.
      const wrongSecret = () => `${readAcme.slice(0, readAcme.lastIndexOf('_') + 1)}${'x'.repeat(43)}`;

      it('answers 429 with Retry-After after 3 failures (no key, unknown key, wrong secret), even to a valid key, until the window passes', async () => {
        expect((await call(null)).statusCode).toBe(401);
        expect((await call('cs_unknown00000_' + 'a'.repeat(43))).statusCode).toBe(401);
        expect((await call(wrongSecret())).statusCode).toBe(401);
        now += 60_000;
        for (const token of [wrongSecret(), readAcme, ADMIN_KEY]) {
          const refused = await call(token);
          expect(refused.statusCode).toBe(429);
          expect(refused.headers['retry-after']).toBe('540');
          expect(refused.json().error).toEqual({
            code: 'CARE_ERR_RATE_LIMITED',
            field: 'authorization',
            message:
              'failed 3 times from this address within 600 s; no key is checked from it until the window ends: ' +
              'retry in 540 s',
          });
        }
        // Another address is not held back, and probes are never limited.
        expect((await call(readAcme, '203.0.113.11')).statusCode).toBe(200);
        expect((await guarded.inject({ url: '/healthz', remoteAddress: '203.0.113.10' })).statusCode).toBe(
          200,
        );

        now += WINDOW_MS - 60_000;
        expect((await call(readAcme)).statusCode).toBe(200);
        expect((await call(wrongSecret())).statusCode).toBe(401);
      });

      it('counts the TCP peer, not an X-Forwarded-For it sends, unless that peer is a trusted proxy', async () => {
        const spoofed = (forwardedFor: string) =>
          guarded.inject({
            url: '/v1/brands/acme/sla',
            remoteAddress: '203.0.113.20',
            headers: { authorization: `Bearer ${wrongSecret()}`, 'x-forwarded-for': forwardedFor },
          });
        for (let i = 0; i < 3; i++) expect((await spoofed(`198.51.100.${i}`)).statusCode).toBe(401);
        expect((await spoofed('198.51.100.99')).statusCode).toBe(429);

        const behindProxy = await buildTestApp(pool, {
          rateLimitPerMinute: 10_000,
          clock: () => now,
          authFailures: { limit: 3, windowMs: WINDOW_MS },
          trustedProxies: ['10.0.0.0/8'],
        });
        try {
          const through = (client: string, token: string) =>
            behindProxy.inject({
              url: '/v1/brands/acme/sla',
              remoteAddress: '10.1.2.3',
              headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client },
            });
          for (let i = 0; i < 3; i++) await through('198.51.100.7', wrongSecret());
          expect((await through('198.51.100.7', readAcme)).statusCode).toBe(429);
          // The proxy's other clients are not held back by one client's failures.
          expect((await through('198.51.100.8', readAcme)).statusCode).toBe(200);
        } finally {
          await behindProxy.close();
        }
      });
    });

    it('serves an OpenAPI 3 document describing every route, and a docs page', async () => {
      const document = (await app.inject('/openapi.json')).json();
      expect(document.openapi).toMatch(/^3\./);
      expect(document.components.securitySchemes.bearerAuth).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      for (const path of [
        '/v1/brands/{brandId}/sla',
        '/v1/brands/{brandId}/sla/timeseries',
        '/v1/brands/{brandId}/agents',
        '/v1/brands/{brandId}/backlog',
        '/v1/brands/{brandId}/churn-risk',
        '/v1/brands/{brandId}/benchmark',
        '/v1/benchmarks/industries',
        '/v1/benchmarks/industries/{industry}',
      ]) {
        const operation = document.paths[path]?.get;
        expect(operation, path).toBeDefined();
        expect(operation.security).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(operation.responses)).toEqual(
          expect.arrayContaining(['200', '400', '401', '429']),
        );
        expect(Object.keys(operation.responses['200'].content)).toEqual(['application/json', 'text/csv']);
      }
      const sla = document.paths['/v1/brands/{brandId}/sla'].get;
      expect(pluck(sla.parameters, 'name')).toEqual(
        expect.arrayContaining(['brandId', 'from', 'to', 'window', 'channel']),
      );
      const docs = await app.inject('/docs');
      expect(docs.statusCode).toBe(200);
      expect(docs.headers['content-type']).toMatch(/^text\/html/);
      expect(docs.body).toContain('/openapi.json');
      expect(docs.body).not.toMatch(/https?:\/\//);
    });

    it('answers health, readiness and metrics', async () => {
      expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
      const ready = await app.inject('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks).toEqual({ postgres: 'ok' });
      const metrics = (await app.inject('/metrics')).body;
      expect(metrics).toMatch(
        /carestream_api_requests_total\{route="\/v1\/brands\/:brandId\/sla",status="200"\} \d+/,
      );
      expect(metrics).toContain('carestream_api_request_duration_seconds_bucket');
      expect(metrics).toMatch(/carestream_api_cache_total\{cache="benchmarks",result="miss"\} \d+/);
      expect(metrics).not.toMatch(/brandId="|acme/);
    });

    it('answers a JSON 404 for an unknown route', async () => {
      const response = await app.inject('/v2/nothing');
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toMatchObject({ code: 'CARE_ERR_NOT_FOUND', field: 'path' });
    });
  });

  // The rows above are deltas, as a batch appends them. The compactor folds them into the hourly rows, the daily
  // rows and the daily totals; whole days are then read from the totals. Every answer must stay the same.
  describe('after the compactor folds the deltas into hourly, daily and daily totals rows', () => {
    const questions = [
      '/v1/brands/acme/sla?from=2026-03-08T00:00:00Z&to=2026-03-11T00:00:00Z',
      '/v1/brands/acme/sla?from=2026-03-08T03:00:00Z&to=2026-03-10T11:00:00Z',
      '/v1/brands/acme/sla?from=2026-03-08T00:00:00Z&to=2026-03-11T00:00:00Z&channel=x',
      // Two whole UTC weeks, Monday to Monday: read from the weekly totals once compacted.
      '/v1/brands/acme/sla?from=2026-03-02T00:00:00Z&to=2026-03-16T00:00:00Z',
      '/v1/brands/acme/sla?from=2026-03-02T00:00:00Z&to=2026-03-16T00:00:00Z&channel=facebook',
      '/v1/brands/acme/sla/timeseries?from=2026-03-07T00:00:00Z&to=2026-03-11T00:00:00Z&granularity=day',
      '/v1/brands/acme/sla/timeseries?from=2026-03-09T18:00:00Z&to=2026-03-10T12:00:00Z&granularity=hour',
      '/v1/brands/acme/agents?from=2026-03-08T00:00:00Z&to=2026-03-11T00:00:00Z',
      '/v1/brands/acme/benchmark?from=2026-03-09T00:00:00Z&to=2026-03-11T00:00:00Z',
      '/v1/benchmarks/industries?from=2026-03-09T00:00:00Z&to=2026-03-11T00:00:00Z&channel=x',
    ];

    it('answers every question as it did from the deltas', async () => {
      const answers = async () =>
        Promise.all(
          questions.map(async (url) => {
            const response = await get(url);
            expect(response.statusCode, url).toBe(200);
            return response.json();
          }),
        );
      const fromDeltas = await answers();
      const compactor = startBucketCompactor({ pool, intervalMs: 3_600_000, fixedSchema: 'sla_g1' });
      expect(await compactor.flush()).toBeGreaterThan(0);
      await compactor.stop();
      const { rows } = await pool.query<{ deltas: number; totals: number; weeks: number }>(
        `select (select count(*) from sla_g1.sla_hourly_deltas)::int as deltas,
                (select count(*) from sla_g1.sla_daily_totals where brand_id = 'acme')::int as totals,
                (select count(*) from sla_g1.sla_weekly_totals where brand_id = 'acme')::int as weeks`,
      );
      // acme: three days, each with a row per channel and one over all channels; the Sunday 03-08 in the week
      // of 03-02, the others in the week of 03-09 (x and facebook).
      expect(rows[0]).toEqual({ deltas: 0, totals: 7, weeks: 5 });
      expect(await answers()).toEqual(fromDeltas);
      expect(fromDeltas[0]).toMatchObject({ needingResponse: 109, answered: 4 });
      expect(fromDeltas[3]).toMatchObject({ needingResponse: 109, answered: 4 });
      expect(fromDeltas[4]).toMatchObject({ needingResponse: 2, answered: 1 });
    });
  });
});

function pluck(list: unknown, key: string): unknown[] {
  return (list as Record<string, unknown>[]).map((item) => item[key]);
}

async function buildTestApp(
  pool: Pool,
  options: {
    rateLimitPerMinute: number;
    figuresCacheMs?: number;
    clock?: () => number;
    authFailures?: { limit: number; windowMs: number };
    trustedProxies?: string[];
  },
): Promise<FastifyInstance> {
  const registry = new Registry();
  const reader = new ProjectionReader(pool);
  return buildApiApp({
    reader,
    erasures: new ErasureLog(pool),
    identities: new IdentityResolver(pool, new ErasureLog(pool)),
    keys: new ApiKeyStore(pool, { adminKey: ADMIN_KEY }),
    metrics: new ApiMetrics(registry),
    registry,
    checks: { postgres: async () => void (await pool.query('select 1')) },
    rateLimitPerMinute: options.rateLimitPerMinute,
    ...(options.authFailures ? { authFailures: options.authFailures } : {}),
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
    benchmarkCacheMs: 0,
    figuresCacheMs: options.figuresCacheMs ?? 0,
    clock: options.clock ?? (() => NOW),
  });
}

// Windows run back from the clock: a brand's hourly rows just inside and just outside each window, read on a
// weekend, at the end of a day, a year and February, and across the daylight-saving changes.
describe.each(FIXED_INSTANTS)('windows read on $name ($at)', ({ at }) => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const now = Date.parse(at);
  const currentHour = Math.floor(now / HOUR) * HOUR;
  const WINDOW_HOURS = { '1h': 1, '24h': 24, '7d': 7 * 24, '30d': 30 * 24 } as const;
  // One mention needing a response per row, k hours before the current hour: the current hour, and the first
  // hour of each window and of its previous period, and the hour before each.
  const rowsBack = [
    ...new Set([0, ...Object.values(WINDOW_HOURS).flatMap((n) => [n - 1, n, 2 * n - 1, 2 * n])]),
  ];
  const rowHours = rowsBack.map((k) => currentHour - k * HOUR);
  let database: TestDatabase;
  let pool: Pool;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase();
    await migrate(database.url);
    pool = createPool({ connectionString: database.url, max: 2 });
    await insertProfile(pool, 'acme', 'retail');
    for (const hour of rowHours) {
      await insertSla(pool, 'acme', new Date(hour).toISOString(), 'x', '', bucket({ needingResponse: 1 }));
    }
    await insertOpen(pool, 'late', 'acme', 'x', 'complaint', new Date(now - 90 * 60_000).toISOString());
    app = await buildTestApp(pool, { rateLimitPerMinute: 10_000, clock: () => now });
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await database?.drop();
  });

  const get = (url: string) =>
    app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const rowsIn = (fromMs: number, toMs: number) => rowHours.filter((h) => h >= fromMs && h < toMs).length;

  it.each(Object.entries(WINDOW_HOURS))(
    'window=%s covers whole hours ending with the current one, and the period before',
    async (window, hours) => {
      const response = await get(`/v1/brands/acme/sla?window=${window}`);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      const to = currentHour + HOUR;
      const from = to - hours * HOUR;
      expect([body.from, body.to]).toEqual([new Date(from).toISOString(), new Date(to).toISOString()]);
      expect(body.needingResponse).toBe(rowsIn(from, to));
      expect(body.previous.needingResponse).toBe(rowsIn(from - hours * HOUR, from));
    },
  );

  it('counts a daily series in whole UTC days, whatever the month or year', async () => {
    const response = await get('/v1/brands/acme/sla/timeseries?window=30d&granularity=day');
    expect(response.statusCode).toBe(200);
    const { items } = response.json<{ items: { bucketStart: string; needingResponse: number }[] }>();
    const days = items.map((item) => Date.parse(item.bucketStart));
    expect(days.every((day) => day % DAY === 0)).toBe(true);
    expect(days.every((day, i) => i === 0 || day - (days[i - 1] ?? 0) === DAY)).toBe(true);
    expect(days.at(-1)).toBe(Math.floor(now / DAY) * DAY);
    // Each day counts the rows of its hours inside the window (the first day is cut at the window's start).
    const to = currentHour + HOUR;
    const from = to - WINDOW_HOURS['30d'] * HOUR;
    items.forEach((item, i) => {
      const day = days[i] ?? 0;
      expect(item.needingResponse).toBe(rowsIn(Math.max(day, from), Math.min(day + DAY, to)));
    });
  });

  it('ages the backlog from the clock', async () => {
    const { items } = (await get('/v1/brands/acme/backlog')).json();
    expect(items).toHaveLength(1);
    expect(items[0].ageSeconds).toBe(90 * 60);
  });
});
