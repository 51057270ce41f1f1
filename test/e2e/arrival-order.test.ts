// Exact figures in any arrival order: the simulator's 45 days of history for 30 brands, fed in time order, fully
// shuffled (with the brand profiles last), and by type (every mention, then every reply, then the posts), each
// with 10% of the ids sent again. The query API must answer the same in every order, and the simulator's exact
// ground truth.
import { loadApiConfig, startApi, type ApiRuntime } from '@carestream/api';
import { SeededRandom } from '@carestream/domain';
import { exactQuantile, toIngestItem, type TrafficEvent } from '@carestream/simulator';
import { describe, expect, it } from 'vitest';
import {
  brands,
  brandTruth,
  DAY,
  eventTime,
  HISTORY_END,
  HISTORY_START,
  HORIZON_MS,
  HOUR,
  profiles,
  timeOrdered,
  truth,
} from './arrival-order-history.ts';
import { ADMIN_KEY, sendEvents, startPipeline, waitForCatchUp, type Pipeline } from './pipeline-harness.ts';

/** The API's clock: an hour after the last event (backlog ages and churn scores are read against it). */
const NOW = HISTORY_END + HOUR;
const RESENT_SHARE = 0.1;
/** The whole history (the API takes periods of up to 400 days). */
const PERIOD = `from=${new Date(HISTORY_START).toISOString()}&to=${new Date(HISTORY_END + HOUR).toISOString()}`;

/** 10% of the ids, the same in every order. */
const resentIds = new Set(
  new SeededRandom(101)
    .shuffled(timeOrdered)
    .slice(0, Math.round(RESENT_SHARE * timeOrdered.length))
    .map((event) => event.eventId),
);

/** The events of `order`, each re-sent id sent again at a random position after its first sending. */
function withResends(order: readonly TrafficEvent[], seed: number): TrafficEvent[] {
  const random = new SeededRandom(seed);
  const placed = order.map((event, i) => ({ event, at: i }));
  order.forEach((event, i) => {
    if (resentIds.has(event.eventId))
      placed.push({ event, at: i + 0.5 + random.next() * (order.length - i) });
  });
  return placed.sort((a, b) => a.at - b.at).map((entry) => entry.event);
}

interface Order {
  readonly name: string;
  readonly events: TrafficEvent[];
  readonly profilesLast: boolean;
}

const ofType = (type: TrafficEvent['type']) => timeOrdered.filter((event) => event.type === type);
const ORDERS: readonly Order[] = [
  { name: 'time order', events: withResends(timeOrdered, 1), profilesLast: false },
  {
    name: 'fully shuffled, profiles last',
    events: withResends(new SeededRandom(2).shuffled(timeOrdered), 3),
    profilesLast: true,
  },
  {
    name: 'by type: mentions, replies, posts',
    events: withResends(
      [...ofType('MentionReceived'), ...ofType('ReplySent'), ...ofType('BrandPostPublished')],
      4,
    ),
    profilesLast: false,
  },
];

/** Everything the API answers about the history, per brand and for the industries. */
interface Answers {
  readonly brands: Record<
    string,
    {
      sla: Record<string, unknown>;
      timeseries: Record<string, unknown>;
      agents: unknown[];
      backlog: unknown[];
      churnRisk: unknown[];
      benchmark: Record<string, unknown>;
    }
  >;
  readonly industries: unknown[];
}

async function readAnswers(api: ApiRuntime): Promise<Answers> {
  const get = async (url: string): Promise<Record<string, unknown>> => {
    const response = await api.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode} ${response.body}`);
    return response.json<Record<string, unknown>>();
  };
  const pages = async (url: string): Promise<unknown[]> => {
    const items: unknown[] = [];
    let cursor: string | null = null;
    do {
      const body = await get(
        `${url}${url.includes('?') ? '&' : '?'}limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      items.push(...(body.items as unknown[]));
      cursor = body.nextCursor as string | null;
    } while (cursor);
    return items;
  };
  const answers: Answers = { brands: {}, industries: await pages(`/v1/benchmarks/industries?${PERIOD}`) };
  for (const brand of brands) {
    const base = `/v1/brands/${brand.profile.brandId}`;
    answers.brands[brand.profile.brandId] = {
      sla: await get(`${base}/sla?${PERIOD}`),
      timeseries: await get(`${base}/sla/timeseries?${PERIOD}&granularity=day`),
      agents: await pages(`${base}/agents?${PERIOD}`),
      backlog: await pages(`${base}/backlog`),
      churnRisk: await pages(`${base}/churn-risk`),
      benchmark: await get(`${base}/benchmark?${PERIOD}`),
    };
  }
  return answers;
}

async function watermarks(pipeline: Pipeline): Promise<number[]> {
  const schema = (
    await pipeline.pool.query<{ active_schema: string }>(
      "select active_schema from projection_generations where projection = 'sla'",
    )
  ).rows[0]?.active_schema;
  const { rows } = await pipeline.pool.query<{ ms: number }>(
    `select (extract(epoch from watermark) * 1000)::float8 as ms from ${schema}.watermarks
      where topic = $1 order by partition`,
    [pipeline.names.interactions],
  );
  return rows.map((row) => row.ms);
}

describe('exact figures in any arrival order', () => {
  const answers = new Map<string, Answers>();

  it('has a history that exercises every figure: 45 days, 30 brands, answers, expiries, open mentions, own accounts', () => {
    const span = Math.max(...timeOrdered.map(eventTime)) - Math.min(...timeOrdered.map(eventTime));
    expect(span).toBeGreaterThanOrEqual(44 * DAY);
    expect(new Set(timeOrdered.map((event) => event.brandId)).size).toBeGreaterThanOrEqual(20);
    expect(timeOrdered.length).toBeGreaterThan(8000);
    const total = (name: 'needingResponse' | 'answered' | 'expired' | 'open' | 'automatedReplies') =>
      [...truth.byBrandChannel.values()].reduce((n, t) => n + t[name], 0);
    expect(total('answered')).toBeGreaterThan(100);
    expect(total('expired')).toBeGreaterThan(100);
    expect(total('open')).toBeGreaterThan(50);
    expect(total('automatedReplies')).toBeGreaterThan(50);
    // Mentions by the brands' own accounts: counted only once a profile says whose accounts they are.
    const ownAccounts = new Map(brands.map((b) => [b.profile.brandId, new Set(b.profile.ownAccountIds)]));
    const ownNeedingResponse = timeOrdered.filter(
      (event) =>
        event.type === 'MentionReceived' &&
        event.needsResponse &&
        ownAccounts.get(event.brandId)?.has(event.authorId),
    );
    expect(ownNeedingResponse.length).toBeGreaterThan(10);
    for (const order of ORDERS) {
      expect(order.events.length - timeOrdered.length, order.name).toBe(resentIds.size);
      expect(new Set(order.events.map((event) => event.eventId)).size, order.name).toBe(timeOrdered.length);
    }
  });

  it('by type is the hard case: many replies arrive more than the 7-day horizon behind the newest mention already sent', () => {
    const byType = ORDERS[2]?.events ?? [];
    let newestMention = -Infinity;
    const farBehind = new Set<string>();
    for (const event of byType) {
      if (event.type === 'MentionReceived') newestMention = Math.max(newestMention, event.receivedAt);
      if (event.type === 'ReplySent' && event.sentAt < newestMention - HORIZON_MS)
        farBehind.add(event.eventId);
    }
    const replies = ofType('ReplySent').length;
    console.info(
      `by type: ${farBehind.size} of ${replies} replies arrive more than 7 days behind the newest mention sent`,
    );
    // The old rule (an event at most one horizon behind the partition's watermark) would have dropped these.
    expect(farBehind.size).toBeGreaterThan(replies / 2);
    // And some of them answer a mention (a human reply inside the horizon of a mention of its conversation).
    const answering = [...truth.mentionStatus.values()].filter(
      (status) => status.replyEventId !== undefined && farBehind.has(status.replyEventId),
    );
    expect(answering.length).toBeGreaterThan(50);
  });

  it.each(ORDERS)(
    '$name: the API answers the exact ground truth for every brand',
    async (order) => {
      const started = performance.now();
      const pipeline = await startPipeline({ partitions: 3, horizonHours: HORIZON_MS / HOUR });
      try {
        const profileItems = profiles.map(toIngestItem);
        if (!order.profilesLast) {
          await sendEvents(pipeline, profileItems);
          await waitForCatchUp(pipeline);
        }
        const accepted = await sendEvents(pipeline, order.events.map(toIngestItem));
        if (order.profilesLast) await sendEvents(pipeline, profileItems);
        const sentSeconds = (performance.now() - started) / 1000;
        await waitForCatchUp(pipeline, 900_000);
        const caughtUpSeconds = (performance.now() - started) / 1000;
        expect(await watermarks(pipeline)).toEqual([HISTORY_END, HISTORY_END, HISTORY_END]);
        if (order.profilesLast) {
          // The profiles really came after the brands' conversations: they revised them.
          const revisions = await pipeline.processors?.registry
            .getSingleMetric('carestream_sla_profile_revisions_total')
            ?.get();
          expect(revisions?.values[0]?.value ?? 0).toBeGreaterThan(1000);
        }

        const api = await startApi(
          loadApiConfig({
            DATABASE_URL: pipeline.database.url,
            CARESTREAM_ADMIN_KEY: ADMIN_KEY,
            API_PORT: '0',
            API_BENCHMARK_CACHE_SECONDS: '0',
            API_FIGURES_CACHE_MS: '0',
            API_RATE_LIMIT_PER_MINUTE: '1000000',
          }),
          { clock: () => NOW },
        );
        let answer: Answers;
        try {
          answer = await readAnswers(api);
        } finally {
          await api.close();
        }
        answers.set(order.name, answer);
        console.info(
          `${order.name}: ${order.events.length} events sent (${accepted} accepted; ${resentIds.size} re-sent ids) ` +
            `+ ${profiles.length} profiles${order.profilesLast ? ' last' : ' first'}; sent in ${sentSeconds.toFixed(1)}s, ` +
            `caught up at ${caughtUpSeconds.toFixed(1)}s, read at ${((performance.now() - started) / 1000).toFixed(1)}s`,
        );

        for (const brand of brands) {
          const brandId = brand.profile.brandId;
          const expected = brandTruth(brandId);
          const got = answer.brands[brandId];
          const sla = got?.sla ?? {};
          expect(
            Object.fromEntries(Object.keys(expected.counts).map((name) => [name, sla[name]])),
            `${order.name}: ${brandId}`,
          ).toEqual(expected.counts);
          expect(sla.unplaced, `${order.name}: ${brandId}`).toEqual({ olderThanRetention: 0 });
          const times = sla.responseTimeSeconds as { mean: number | null; p50: number | null };
          const exactP50 = exactQuantile(expected.responseSeconds, 0.5);
          if (exactP50 === null) expect(times.p50).toBeNull();
          else
            expect(
              Math.abs((times.p50 ?? Infinity) - exactP50) / exactP50,
              `${order.name}: ${brandId} p50 ${times.p50} vs ${exactP50}`,
            ).toBeLessThanOrEqual(0.01);
          const mean =
            expected.responseSeconds.length === 0
              ? null
              : expected.responseSeconds.reduce((a, b) => a + b, 0) / expected.responseSeconds.length;
          if (mean === null) expect(times.mean).toBeNull();
          else expect(times.mean, `${order.name}: ${brandId} mean`).toBeCloseTo(mean, 6);
          // The backlog is exactly the brand's open mentions.
          const open = [...truth.mentionStatus]
            .filter(([, status]) => status.status === 'open' && status.brandId === brandId)
            .map(([id]) => id)
            .sort();
          const backlog = (got?.backlog ?? []) as { mentionEventId: string }[];
          expect(
            backlog.map((item) => item.mentionEventId).sort(),
            `${order.name}: ${brandId} backlog`,
          ).toEqual(open);
        }
        // Benchmarks are published (industries of five brands), so comparing them compares figures.
        expect(answer.industries.length).toBeGreaterThan(0);
        expect(
          Object.values(answer.brands).reduce((n, brand) => n + brand.churnRisk.length, 0),
        ).toBeGreaterThan(100);
      } finally {
        await pipeline.close();
      }
    },
    1_200_000,
  );

  it('answers the same, to the last field, in every order', () => {
    const [first, ...others] = ORDERS.map((order) => answers.get(order.name));
    expect(first).toBeDefined();
    for (const [i, other] of others.entries()) {
      expect(other, ORDERS[i + 1]?.name).toBeDefined();
      for (const brand of brands) {
        const brandId = brand.profile.brandId;
        expect(other?.brands[brandId], `${ORDERS[i + 1]?.name}: ${brandId}`).toEqual(first?.brands[brandId]);
      }
      expect(other?.industries, `${ORDERS[i + 1]?.name}: industries`).toEqual(first?.industries);
    }
  });
});
