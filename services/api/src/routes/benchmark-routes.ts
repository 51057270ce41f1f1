import { canAccessBrand, type Principal } from '@carestream/api-keys';
import { INDUSTRY_SLUG, MAX_INDUSTRY_LENGTH, printableId } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import type { FastifyInstance } from 'fastify';
import {
  brandRanks,
  industryBenchmarks,
  industryDays,
  type BenchmarkItem,
  type IndustryBenchmark,
} from '../figures.ts';
import { respond } from '../negotiation.ts';
import {
  parseQuery,
  querySchema,
  wholeUtcDays,
  type ParsedQuery,
  type QueryParamName,
} from '../query-params.ts';
import { BenchmarkItemSchema, BrandBenchmarkSchema, IndustryParams, List, responses } from '../schemas.ts';
import {
  brandRequestOf,
  brandRoute,
  principalOf,
  readBrand,
  respondWithPage,
  SECURITY,
  type QueryRouteOptions,
} from './route-options.ts';

const LIST_PARAMS: readonly QueryParamName[] = ['from', 'to', 'window', 'channel', 'limit', 'cursor'];

const BENCHMARK_DESCRIPTION =
  'Anonymous aggregates, in whole UTC days: the period is widened to whole UTC days (from down to its midnight, ' +
  'to up to the next), and a row sums only the days on which at least 5 brands had mentions needing a response ' +
  'not counting the brands the API key can read (the caller knows those and could subtract them; an admin key, ' +
  'which reads every brand, counts them all). Other days are left out whole; days lists those counted. So two ' +
  'answers differ only by whole days of at least 5 other brands, never by one brand. A row is published when ' +
  'at least one day counts. Response rate is pooled (Σ answered / Σ needingResponse); percentiles come from the ' +
  'merged response-time sketches. channel null = all channels.';

/** Industry benchmarks (any read key: they are anonymous) and a brand's percentile ranks in its industry. */
export async function benchmarkRoutes(app: FastifyInstance, options: QueryRouteOptions): Promise<void> {
  /**
   * One industry's (or every industry's when null) brands per channel and UTC day over the period, from the SLA
   * buckets of every profiled brand of the industry: the same for every caller, so cached; what a caller sees
   * of it is worked out per request (benchmarksFor).
   */
  const daysOf = (industry: string | null, query: ParsedQuery) => {
    const period = wholeUtcDays(query.period);
    return options.benchmarks.get(JSON.stringify([industry, period.fromMs, period.toMs, query.channel]), () =>
      options.reader.read(async (snapshot) => {
        const industryOf = await snapshot.industries(industry);
        const rows = await snapshot.slaByBrandChannelDay([...industryOf.keys()], {
          period,
          channel: query.channel,
        });
        return industryDays(rows, industryOf);
      }),
    );
  };

  /** The benchmarks the caller may see: brands its key can read do not count toward a day's 5 brands. */
  const benchmarksFor = async (
    principal: Principal,
    industry: string | null,
    query: ParsedQuery,
  ): Promise<Map<string, IndustryBenchmark>> => {
    // An admin key reads every brand's own figures already: the benchmark tells it nothing it could not read, so
    // its days need 5 brands in all.
    const knownToCaller = (brandId: string) =>
      principal.brandIds !== null && canAccessBrand(principal, brandId);
    return industryBenchmarks(await daysOf(industry, query), knownToCaller);
  };

  const listItems = async (
    principal: Principal,
    industry: string | null,
    query: ParsedQuery,
  ): Promise<BenchmarkItem[]> => {
    const byIndustry = await benchmarksFor(principal, industry, query);
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
      return respondWithPage(request, reply, await listItems(principalOf(request), null, query), {
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
        summary:
          'Published benchmarks of one industry (empty when no day has 5 brands besides the key’s own)',
        description: BENCHMARK_DESCRIPTION,
        params: IndustryParams,
        querystring: querySchema(LIST_PARAMS),
        response: responses(List(BenchmarkItemSchema, true), { brand: false }),
        security: SECURITY,
      },
    },
    async (request, reply) => {
      const { industry } = request.params;
      // Length first: a 5,000-letter slug is a slug, and "must be a lower-case slug" would not tell what is wrong.
      const length = [...industry].length;
      if (length > MAX_INDUSTRY_LENGTH) {
        throw new CareError(
          'CARE_ERR_VALIDATION',
          `is ${length} characters long; an industry has at most ${MAX_INDUSTRY_LENGTH}`,
          { field: 'industry' },
        );
      }
      if (!INDUSTRY_SLUG.test(industry)) {
        throw new CareError(
          'CARE_ERR_VALIDATION',
          `must be a lower-case slug such as retail or consumer-goods, got "${printableId(industry)}"`,
          { field: 'industry' },
        );
      }
      const query = parseQuery(request.query, LIST_PARAMS, options.clock());
      return respondWithPage(request, reply, await listItems(principalOf(request), industry, query), {
        query,
        scope: ['industry', industry],
        schema: BenchmarkItemSchema,
      });
    },
  );

  app.get(
    '/v1/brands/:brandId/benchmark',
    brandRoute({
      tags: ['benchmarks'],
      summary: 'A brand’s percentile ranks in its industry (response rate, median response time)',
      description:
        'The brand’s own figures cover the whole period (from, to: widened to whole UTC days). Percentile rank = ' +
        'share of contributing brands the brand does better than over the days the industry row counted, ties ' +
        'counting half (0..100; a higher response rate and a faster median rank higher). Ranks and the industry ' +
        'row are null unless the industry row is published. ' +
        BENCHMARK_DESCRIPTION,
      query: ['from', 'to', 'window', 'channel'],
      answer: BrandBenchmarkSchema,
    }),
    async (request, reply) => {
      const { brandId, query } = brandRequestOf(request);
      const principal = principalOf(request);
      const period = wholeUtcDays(query.period);
      const { profile, own } = await readBrand(options.reader, brandId, async (snapshot, profile) => ({
        profile,
        own: await snapshot.slaTotals(brandId, { period, channel: query.channel }),
      }));
      const industry = profile?.industry ?? null;
      const benchmark =
        industry === null ? undefined : (await benchmarksFor(principal, industry, query)).get(industry);
      const answer = {
        brandId,
        industry,
        from: new Date(period.fromMs).toISOString(),
        to: new Date(period.toMs).toISOString(),
        channel: query.channel,
        ...brandRanks(benchmark, brandId, own, query.channel),
      };
      return respond(request, reply, answer, { rows: [answer], schema: BrandBenchmarkSchema });
    },
  );
}
