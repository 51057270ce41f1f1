import type { FastifyInstance } from 'fastify';
import { brandNotFound } from '../access.ts';
import { AnswerCache } from '../answer-cache.ts';
import { slaFiguresAnswer, timeseriesItems, type SlaFiguresAnswer, type TimeseriesItem } from '../figures.ts';
import { respond } from '../negotiation.ts';
import { previousPeriod, type ParsedQuery } from '../query-params.ts';
import { List, SlaAnswerSchema, TimeseriesItemSchema } from '../schemas.ts';
import { brandRequestOf, brandRoute, readBrand, type QueryRouteOptions } from './route-options.ts';

const TimeseriesSchema = List(TimeseriesItemSchema, false);

/** `GET /v1/brands/{brandId}/sla` and `/sla/timeseries`. */
export async function slaRoutes(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  // Dashboards and BI tools poll the same figures from many panels and users: each question is answered from
  // Postgres at most once per API_FIGURES_CACHE_MS. Visibility is checked per request, before the cache.
  const cacheOptions = { ttlMs: options.figuresCacheMs, clock: options.clock, metrics: options.metrics };
  const answers = new AnswerCache<SlaAnswer>({ name: 'sla', ...cacheOptions });
  const series = new AnswerCache<TimeseriesItem[]>({ name: 'sla_timeseries', ...cacheOptions });
  type SlaAnswer = SlaFiguresAnswer & {
    brandId: string;
    channel: string | null;
    previous: SlaFiguresAnswer;
  };
  const cacheKey = (brandId: string, query: ParsedQuery) =>
    JSON.stringify([brandId, query.period.fromMs, query.period.toMs, query.channel, query.granularity]);

  app.get(
    '/v1/brands/:brandId/sla',
    brandRoute({
      tags: ['sla'],
      summary: 'SLA figures of a brand over a period, beside the period of equal length before it',
      description:
        'Mentions are counted by receivedAt, replies and posts by when they were sent. The period is widened to ' +
        'whole UTC hours and echoed as from/to. `open` counts the period’s mentions still open now.',
      query: ['from', 'to', 'window', 'channel'],
      answer: SlaAnswerSchema,
    }),
    async (request, reply) => {
      const { brandId, query } = brandRequestOf(request);
      const answer = await answers.get(cacheKey(brandId, query), async () => {
        // One statement reads the brand, both periods' totals and open mentions, and the unplaced events.
        const previousOf = previousPeriod(query.period);
        const rows = await options.reader.slaQuestion(brandId, query.period, previousOf, query.channel);
        if (!rows.exists) throw brandNotFound(brandId);
        const keepsBusinessHours = rows.profile?.keepsBusinessHours ?? false;
        const current = slaFiguresAnswer(
          rows.current.bucket,
          rows.current.open,
          query.period,
          keepsBusinessHours,
        );
        const previous = slaFiguresAnswer(
          rows.previous.bucket,
          rows.previous.open,
          previousOf,
          keepsBusinessHours,
        );
        return { brandId, channel: query.channel, ...current, previous, unplaced: rows.unplaced };
      });
      return respond(request, reply, answer, { rows: [answer], schema: SlaAnswerSchema });
    },
  );

  app.get(
    '/v1/brands/:brandId/sla/timeseries',
    brandRoute({
      tags: ['sla'],
      summary: 'SLA figures per hour or per day (UTC days), every bucket of the period, zero-filled',
      description:
        'Buckets are UTC hours or UTC days. With day granularity and a period that does not start or end at ' +
        'midnight UTC, the first and last day count only the hours inside the period.',
      query: ['from', 'to', 'window', 'channel', 'granularity'],
      answer: TimeseriesSchema,
    }),
    async (request, reply) => {
      const { brandId, query } = brandRequestOf(request);
      const items = await series.get(cacheKey(brandId, query), () =>
        readBrand(options.reader, brandId, async (snapshot) => {
          const byBucket = await snapshot.slaByBucket(
            brandId,
            { period: query.period, channel: query.channel },
            query.granularity,
          );
          return timeseriesItems(byBucket, query.period, query.granularity);
        }),
      );
      return respond(request, reply, { items }, { rows: items, schema: TimeseriesItemSchema });
    },
  );
}
