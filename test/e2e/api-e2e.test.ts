// From POST /v1/events to every query route: the figures the API answers equal the ground truth of what was
// sent; and a key limited to one brand sees nothing of another, on every route.
import { ApiKeyStore } from '@carestream/api-keys';
import { loadApiConfig, startApi, type ApiRuntime } from '@carestream/api';
import { exactQuantile, generateScenario, toIngestItem } from '@carestream/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, sendEvents, startPipeline, waitForCatchUp, type Pipeline } from './pipeline-harness.ts';

const HOUR = 3_600_000;

describe('query API end to end', () => {
  let pipeline: Pipeline;
  let api: ApiRuntime;
  let brandZeroKey: string;
  const startMs = Date.UTC(2026, 10, 23, 6);
  const scenario = generateScenario({
    seed: 515,
    conversations: 1200,
    brands: 6,
    startMs,
    spanMs: 6 * HOUR,
    horizonMs: HOUR,
    duplicateRate: 0.02,
  });
  // One industry for all six brands, so its benchmark is published (at least five brands).
  const profiles = scenario.profiles.map((profile) => ({ ...profile, industry: 'retail' }));
  const range = `from=${new Date(startMs).toISOString()}&to=${new Date(startMs + 8 * HOUR).toISOString()}`;

  beforeAll(async () => {
    pipeline = await startPipeline({ partitions: 3, horizonHours: 1 });
    await sendEvents(pipeline, profiles.map(toIngestItem));
    await waitForCatchUp(pipeline);
    await sendEvents(pipeline, scenario.events.map(toIngestItem));
    await waitForCatchUp(pipeline);
    await pipeline.processors?.benchmarks?.refresh();
    api = await startApi(
      loadApiConfig({
        DATABASE_URL: pipeline.database.url,
        CARESTREAM_ADMIN_KEY: ADMIN_KEY,
        API_PORT: '0',
        API_BENCHMARK_CACHE_SECONDS: '0',
      }),
    );
    brandZeroKey = (await new ApiKeyStore(pipeline.pool).create({ scope: 'read', brandIds: ['brand-0'] }))
      .token;
  });

  afterAll(async () => {
    await api?.close();
    await pipeline?.close();
  });

  async function get(path: string, key = ADMIN_KEY) {
    const response = await api.app.inject({
      method: 'GET',
      url: path,
      headers: { authorization: `Bearer ${key}` },
    });
    return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
  }

  function brandTruth(brandId: string, channel?: string) {
    const parts = [...scenario.truth.byBrandChannel].filter(
      ([key]) => key.startsWith(`${brandId}|`) && (!channel || key.endsWith(`|${channel}`)),
    );
    const sum = (pick: (t: (typeof parts)[number][1]) => number) =>
      parts.reduce((n, [, t]) => n + pick(t), 0);
    const times = parts.flatMap(([, t]) => t.responseSeconds).sort((a, b) => a - b);
    return {
      needingResponse: sum((t) => t.needingResponse),
      answered: sum((t) => t.answered),
      expired: sum((t) => t.expired),
      open: sum((t) => t.open),
      humanReplies: sum((t) => t.humanReplies),
      brandPosts: sum((t) => t.brandPosts),
      times,
    };
  }

  it('GET /sla answers the exact figures for every brand, and per channel', async () => {
    for (const profile of profiles) {
      for (const channel of [undefined, 'x', 'facebook']) {
        const truth = brandTruth(profile.brandId, channel);
        const { status, body } = await get(
          `/v1/brands/${profile.brandId}/sla?${range}${channel ? `&channel=${channel}` : ''}`,
        );
        expect(status).toBe(200);
        expect(body).toMatchObject({
          brandId: profile.brandId,
          needingResponse: truth.needingResponse,
          answered: truth.answered,
          expired: truth.expired,
          open: truth.open,
          humanReplies: truth.humanReplies,
          brandPosts: truth.brandPosts,
          responseRate: truth.answered / truth.needingResponse,
        });
        const p50 = exactQuantile(truth.times, 0.5) ?? 0;
        const measured = (body.responseTimeSeconds as { p50: number }).p50;
        expect(Math.abs(measured - p50) / p50).toBeLessThanOrEqual(0.01);
        expect(body.previous).toMatchObject({ needingResponse: 0 });
      }
    }
  });

  it('GET /sla over whole days (read from the daily rows) answers what the hours answer, exact', async () => {
    // Four whole UTC days around the scenario's hours: the compactor's daily rows, hours only at the edges.
    const day = 86_400_000;
    const firstDay = Math.floor(startMs / day) * day - day;
    const days = `from=${new Date(firstDay).toISOString()}&to=${new Date(firstDay + 4 * day).toISOString()}`;
    const edges = `from=${new Date(firstDay - 3 * HOUR).toISOString()}&to=${new Date(firstDay + 4 * day + 2 * HOUR).toISOString()}`;
    for (const profile of profiles) {
      const truth = brandTruth(profile.brandId);
      const hours = await get(`/v1/brands/${profile.brandId}/sla?${range}`);
      for (const period of [days, edges]) {
        const { status, body } = await get(`/v1/brands/${profile.brandId}/sla?${period}`);
        expect(status).toBe(200);
        expect(body).toMatchObject({ needingResponse: truth.needingResponse, answered: truth.answered });
        expect(body.responseTimeSeconds).toEqual(hours.body.responseTimeSeconds);
        expect(body.withinTarget).toEqual(hours.body.withinTarget);
      }
      const daily = await get(`/v1/brands/${profile.brandId}/sla/timeseries?${days}&granularity=day`);
      const items = daily.body.items as { needingResponse: number }[];
      expect(items.reduce((n, item) => n + item.needingResponse, 0)).toBe(truth.needingResponse);
    }
    // The daily rows exist and hold everything: the answers above came from them.
    const { rows } = await pipeline.pool.query<{ n: number }>(
      `select coalesce(sum(needing_response), 0)::int as n from sla_g1.sla_daily`,
    );
    expect(rows[0]?.n).toBe(
      [...scenario.truth.byBrandChannel.values()].reduce((n, t) => n + t.needingResponse, 0),
    );
  });

  it('GET /sla/timeseries adds up to the period totals', async () => {
    const truth = brandTruth('brand-2');
    const { status, body } = await get(`/v1/brands/brand-2/sla/timeseries?${range}&granularity=hour`);
    expect(status).toBe(200);
    const items = body.items as { needingResponse: number; answered: number }[];
    expect(items).toHaveLength(8);
    expect(items.reduce((n, item) => n + item.needingResponse, 0)).toBe(truth.needingResponse);
    expect(items.reduce((n, item) => n + item.answered, 0)).toBe(truth.answered);
  });

  it('GET /agents credits answers to the agents who replied', async () => {
    const { status, body } = await get(`/v1/brands/brand-1/agents?${range}`);
    expect(status).toBe(200);
    const items = body.items as { agentId: string; answered: number; humanReplies: number }[];
    for (const item of items) {
      // Bots send only automated replies: they appear with nothing credited.
      const truth = scenario.truth.byAgent.get(`brand-1|${item.agentId}`) ?? { answered: 0, humanReplies: 0 };
      expect(truth, item.agentId).toEqual({ answered: item.answered, humanReplies: item.humanReplies });
    }
    expect(items.reduce((n, item) => n + item.answered, 0)).toBe(brandTruth('brand-1').answered);
  });

  it('GET /backlog lists exactly the open mentions, most urgent first', async () => {
    const expected = [...scenario.truth.mentionStatus]
      .filter(([, s]) => s.status === 'open' && s.brandId === 'brand-3')
      .map(([id]) => id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const { status, body } = await get(
        `/v1/brands/brand-3/backlog?limit=50${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(status).toBe(200);
      const items = body.items as { mentionEventId: string; score: number }[];
      for (let i = 1; i < items.length; i += 1)
        expect(items[i - 1]!.score).toBeGreaterThanOrEqual(items[i]!.score);
      seen.push(...items.map((item) => item.mentionEventId));
      cursor = (body.nextCursor as string | null) ?? undefined;
    } while (cursor);
    expect(seen.sort()).toEqual(expected.sort());
  });

  it('GET /churn-risk names the customers who were ignored, with evidence', async () => {
    const { status, body } = await get('/v1/brands/brand-4/churn-risk?limit=500');
    expect(status).toBe(200);
    const items = body.items as {
      authorId: string;
      score: number;
      level: string;
      reasons: { signal: string; mentionEventId: string }[];
    }[];
    const ignored = [...scenario.truth.mentionStatus].filter(
      ([, s]) => s.status === 'expired' && s.brandId === 'brand-4',
    );
    expect(ignored.length).toBeGreaterThan(0);
    for (const [mentionEventId, status] of ignored) {
      const customer = items.find((item) => item.authorId === status.authorId);
      expect(customer, status.authorId).toBeDefined();
      expect(
        customer!.reasons.some(
          (reason) => reason.mentionEventId === mentionEventId && reason.signal.startsWith('ignored'),
        ),
      ).toBe(true);
    }
  });

  it('GET benchmarks: the industry row over six brands and each brand’s rank in it', async () => {
    const { status, body } = await get(`/v1/benchmarks/industries/retail?${range}`);
    expect(status).toBe(200);
    const all = (
      body.items as { channel: string | null; brands: number; needingResponse: number; answered: number }[]
    ).find((item) => item.channel === null);
    const totals = profiles.map((profile) => brandTruth(profile.brandId));
    expect(all).toMatchObject({
      brands: 6,
      needingResponse: totals.reduce((n, t) => n + t.needingResponse, 0),
      answered: totals.reduce((n, t) => n + t.answered, 0),
    });
    const ranked = await get(`/v1/brands/brand-0/benchmark?${range}`);
    expect(ranked.status).toBe(200);
    expect(JSON.stringify(ranked.body)).toMatch(/percentile|rank/i);
  });

  it('answers CSV on Accept: text/csv', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: `/v1/brands/brand-1/agents?${range}`,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'text/csv' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/csv/);
    expect(response.body.split('\n')[0]).toContain('agentId');
  });

  it('never shows another brand to a brand-limited key: 404 on every route', async () => {
    const routes = ['sla', 'sla/timeseries', 'agents', 'backlog', 'churn-risk', 'benchmark'];
    for (const route of routes) {
      const other = await get(
        `/v1/brands/brand-1/${route}?${route === 'backlog' || route === 'churn-risk' ? '' : range}`,
        brandZeroKey,
      );
      expect(other.status, route).toBe(404);
      expect(JSON.stringify(other.body)).not.toMatch(/agent-1-|customer-/);
      const own = await get(
        `/v1/brands/brand-0/${route}?${route === 'backlog' || route === 'churn-risk' ? '' : range}`,
        brandZeroKey,
      );
      expect(own.status, route).toBe(200);
    }
    const missing = await get(`/v1/brands/no-such-brand/sla?${range}`, ADMIN_KEY);
    expect(missing.status).toBe(404);
  });
});
