import { INDUSTRY_SLUG } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import type { FastifyInstance } from 'fastify';
import { assertBrandVisible } from '../access.ts';
import { brandRanks, industryBenchmarks, type BenchmarkItem } from '../figures.ts';
import { respond } from '../negotiation.ts';
import { parseQuery, type ParsedQuery, type QueryParamName } from '../query-params.ts';
import {
  BenchmarkItemSchema,
  BrandBenchmarkSchema,
  BrandParams,
  IndustryParams,
  List,
  querySchema,
  responses,
} from '../schemas.ts';
import {
  principalOf,
  requireBrand,
  respondWithPage,
  SECURITY,
  type QueryRouteOptions,
} from './route-options.ts';

const LIST_PARAMS: readonly QueryParamName[] = ['from', 'to', 'window', 'channel', 'limit', 'cursor'];
const BRAND_PARAMS: readonly QueryParamName[] = ['from', 'to', 'window', 'channel'];

const BENCHMARK_DESCRIPTION =
  'Anonymous aggregates over the period, computed from every profiled brand of the industry: a row is published ' +
  'only where at least 5 brands had mentions needing a response. Response rate is pooled (Σ answered / Σ ' +
  'needingResponse); percentiles come from the merged response-time sketches. channel null = all channels.';

/** Industry benchmarks (any read key: they are anonymous) and a brand's percentile ranks in its industry. */
export async function benchmarkRoutes(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  /**
   * Benchmarks of one industry (or every industry when null) over the period, computed from the SLA buckets of
   * every profiled brand of the industry (domain benchmarkRow), so the "at least 5 brands" rule holds for exactly
   * the period asked and percentiles are pooled exactly rather than averaged from daily rows.
   */
  const benchmarksOf = (industry: string | null, query: ParsedQuery) =>
    options.benchmarks.get(
      JSON.stringify([industry, query.period.fromMs, query.period.toMs, query.channel]),
      () =>
        options.reader.read(async (snapshot) => {
          const industryOf = await snapshot.industries(industry);
          const rows = await snapshot.slaByBrandChannel([...industryOf.keys()], {
            period: query.period,
            channel: query.channel,
          });
          return industryBenchmarks(rows, industryOf);
        }),
    );

  const listItems = async (industry: string | null, query: ParsedQuery): Promise<BenchmarkItem[]> => {
    const byIndustry = await benchmarksOf(industry, query);
    // Asked for one channel, the computation only saw that channel: its "all channels" row is the same row.
    return [...byIndustry.values()].flatMap((benchmark) =>
      benchmark.items.filter((item) => query.channel === null || item.channel === query.channel),
    );
  };

  app.get(
    '/v1/benchmarks/industries',
    {
      schema: {
        tags: ['benchmarks'],
        summary: 'Published benchmarks of every industry, per channel and for all channels',
        description: BENCHMARK_DESCRIPTION,
        querystring: querySchema(LIST_PARAMS),
        response: responses(List(BenchmarkItemSchema, true), { brand: false }),
        security: SECURITY,
      },
    },
    async (request, reply) => {
      const query = parseQuery(request.query, LIST_PARAMS, options.clock());
      return respondWithPage(request, reply, await listItems(null, query), {
        query,
        scope: ['industries'],
        schema: BenchmarkItemSchema,
      });
    },
  );

  app.get<{ Params: { industry: string } }>(
    '/v1/benchmarks/industries/:industry',
    {
      schema: {
        tags: ['benchmarks'],
        summary: 'Published benchmarks of one industry (empty when fewer than 5 brands contribute)',
        description: BENCHMARK_DESCRIPTION,
        params: IndustryParams,
        querystring: querySchema(LIST_PARAMS),
        response: responses(List(BenchmarkItemSchema, true), { brand: false }),
        security: SECURITY,
      },
    },
    async (request, reply) => {
      const { industry } = request.params;
      if (!INDUSTRY_SLUG.test(industry) || industry.length > 256) {
        throw new CareError(
          'CARE_ERR_VALIDATION',
          `must be a lower-case slug such as retail or consumer-goods, got "${industry}"`,
          { field: 'industry' },
        );
      }
      const query = parseQuery(request.query, LIST_PARAMS, options.clock());
      return respondWithPage(request, reply, await listItems(industry, query), {
        query,
        scope: ['industry', industry],
        schema: BenchmarkItemSchema,
      });
    },
  );

  app.get<{ Params: { brandId: string } }>(
    '/v1/brands/:brandId/benchmark',
    {
      schema: {
        tags: ['benchmarks'],
        summary: 'A brand’s percentile ranks in its industry (response rate, median response time)',
        description:
          'Percentile rank = share of contributing brands the brand does better than, ties counting half (0..100; ' +
          'a higher response rate and a faster median rank higher). Ranks and the industry row are null unless the ' +
          'industry row is published (at least 5 brands). ' +
          BENCHMARK_DESCRIPTION,
        params: BrandParams,
        querystring: querySchema(BRAND_PARAMS),
        response: responses(BrandBenchmarkSchema, { brand: true }),
        security: SECURITY,
      },
    },
    async (request, reply) => {
      const { brandId } = request.params;
      assertBrandVisible(principalOf(request), brandId);
      const query = parseQuery(request.query, BRAND_PARAMS, options.clock());
      const { profile, own } = await options.reader.read(async (snapshot) => ({
        profile: await requireBrand(snapshot, brandId),
        own: await snapshot.slaTotals(brandId, { period: query.period, channel: query.channel }),
      }));
      const industry = profile?.industry ?? null;
      const benchmark = industry === null ? undefined : (await benchmarksOf(industry, query)).get(industry);
      const answer = {
        brandId,
        industry,
        from: new Date(query.period.fromMs).toISOString(),
        to: new Date(query.period.toMs).toISOString(),
        channel: query.channel,
        ...brandRanks(benchmark, brandId, own, query.channel),
      };
      return respond(request, reply, answer, { rows: [answer], schema: BrandBenchmarkSchema });
    },
  );
}
