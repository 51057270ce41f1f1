import type { Principal } from '@carestream/api-keys';
import type { IdentityResolver } from '@carestream/erasure';
import { CareError } from '@carestream/errors';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { assertBrandVisible, brandNotFound } from '../access.ts';
import { respond } from '../negotiation.ts';
import { pageOf, queryFingerprint } from '../pagination.ts';
import { parseQuery, querySchema, type ParsedQuery, type QueryParamName } from '../query-params.ts';
import { BrandParams, responses } from '../schemas.ts';
import type { AnswerCache } from '../answer-cache.ts';
import type { ApiMetrics } from '../api-metrics.ts';
import type { IndustryDays } from '../figures.ts';
import type { BrandProfile, ProjectionReader, ProjectionSnapshot } from '../projection-reader.ts';

/** What every query route group is given by the app. */
export interface QueryRouteOptions {
  readonly reader: ProjectionReader;
  /** Clear ids for the references the backlog and churn signals hold; [erased] for erased ones. */
  readonly identities: IdentityResolver;
  /** Industries' brands per channel and UTC day: the same for every caller, kept for API_BENCHMARK_CACHE_SECONDS. */
  readonly benchmarks: AnswerCache<Map<string, IndustryDays>>;
  /** How long a brand's SLA answers are reused for the same question (API_FIGURES_CACHE_MS; 0 = never). */
  readonly figuresCacheMs: number;
  readonly metrics: ApiMetrics;
  readonly clock: () => number;
}

export const SECURITY = [{ bearerAuth: [] }];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Marks a brand route (`brandRoute`): the query parameters it takes, parsed by the brand preamble. */
    brandQuery?: readonly QueryParamName[];
  }
}

/** The caller authenticated by the /v1 onRequest hook. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) {
    throw new CareError('CARE_ERR_INTERNAL', 'a /v1 route ran without the authentication hook');
  }
  return request.principal;
}

/** What the brand preamble established for a brand route's handler. */
export interface BrandRequest {
  readonly brandId: string;
  readonly query: ParsedQuery;
  /** The time the query was read at (`window` ends at its hour's end). */
  readonly nowMs: number;
}

const brandRequests = new WeakMap<FastifyRequest, BrandRequest>();

/**
 * A route under `/v1/brands/{brandId}`: its documentation (brand path parameter, its query parameters, the
 * answer and the errors of a brand route) and the mark that gives it the brand preamble. The query parameters
 * are listed once, for the OpenAPI document and the parsing alike.
 */
export function brandRoute(route: {
  readonly tags: readonly string[];
  readonly summary: string;
  readonly description: string;
  readonly query: readonly QueryParamName[];
  readonly answer: TSchema;
}): RouteShorthandOptions {
  return {
    config: { brandQuery: route.query },
    schema: {
      tags: [...route.tags],
      summary: route.summary,
      description: route.description,
      params: BrandParams,
      querystring: querySchema(route.query),
      response: responses(route.answer, { brand: true }),
      security: SECURITY,
    },
  };
}

/**
 * The opening every brand route shares, once, as a preHandler hook of the /v1 scope (fastify/demo's autohooks
 * do the same by folder): the brand must be one the key may read and one the grammar allows (404 otherwise,
 * before any parameter is looked at), then the route's query parameters are parsed (400 naming the one at
 * fault). Routes without the `brandRoute` mark pass through.
 */
export function registerBrandPreamble(app: FastifyInstance, clock: () => number): void {
  app.addHook('preHandler', async (request) => {
    const allowed = request.routeOptions.config.brandQuery;
    if (allowed === undefined) return;
    const { brandId } = request.params as { brandId: string };
    assertBrandVisible(principalOf(request), brandId);
    const nowMs = clock();
    brandRequests.set(request, { brandId, nowMs, query: parseQuery(request.query, allowed, nowMs) });
  });
}

/** The brand, query and time the preamble established for this request. */
export function brandRequestOf(request: FastifyRequest): BrandRequest {
  const found = brandRequests.get(request);
  if (!found) throw new CareError('CARE_ERR_INTERNAL', 'a brand route ran without the brand preamble');
  return found;
}

/** The brand's profile (null when it has data but no profile); 404 when the brand is unknown. */
export async function requireBrand(
  snapshot: ProjectionSnapshot,
  brandId: string,
): Promise<BrandProfile | null> {
  const brand = await snapshot.brand(brandId);
  if (!brand.exists) throw brandNotFound(brandId);
  return brand.profile;
}

/** Reads in one snapshot, once the brand is known to exist (404 otherwise), with its profile at hand. */
export function readBrand<T>(
  reader: ProjectionReader,
  brandId: string,
  read: (snapshot: ProjectionSnapshot, profile: BrandProfile | null) => Promise<T>,
): Promise<T> {
  return reader.read(async (snapshot) => read(snapshot, await requireBrand(snapshot, brandId)));
}

/**
 * Sends one page of an ordered list (`limit`, `cursor` from the query): JSON `{ items, nextCursor }`, or the
 * page's rows as CSV with the cursor in a header. `scope` (route, brand, …) and the query's filters make the
 * cursor's fingerprint, so a cursor only pages the list it came from.
 */
export function respondWithPage(
  request: FastifyRequest,
  reply: FastifyReply,
  ordered: readonly object[],
  options: { readonly query: ParsedQuery; readonly scope: readonly string[]; readonly schema: TSchema },
): FastifyReply {
  const { query } = options;
  const page = pageOf(ordered, {
    limit: query.limit,
    cursor: query.cursor,
    fingerprint: queryFingerprint([...options.scope, query.filters]),
  });
  return respond(request, reply, page, {
    rows: page.items,
    schema: options.schema,
    nextCursor: page.nextCursor,
  });
}
