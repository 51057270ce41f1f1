import type { Principal } from '@carestream/api-keys';
import type { IdentityResolver } from '@carestream/erasure';
import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { brandNotFound } from '../access.ts';
import { respond } from '../negotiation.ts';
import { pageOf, queryFingerprint } from '../pagination.ts';
import type { ParsedQuery } from '../query-params.ts';
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

/** The caller authenticated by the /v1 onRequest hook. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('a /v1 route ran without the authentication hook');
  return request.principal;
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
