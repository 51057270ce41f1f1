import type { ApiKeyStore, Principal } from '@carestream/api-keys';
import type { FastifyRequest } from 'fastify';
import { brandNotFound } from '../access.ts';
import type { AnswerCache } from '../answer-cache.ts';
import type { ApiMetrics } from '../api-metrics.ts';
import type { IndustryBenchmark } from '../figures.ts';
import type { BrandProfile, ProjectionReader, ProjectionSnapshot } from '../projection-reader.ts';

/** What every query route group is given by the app. */
export interface QueryRouteOptions {
  readonly keys: ApiKeyStore;
  readonly reader: ProjectionReader;
  /** Industry benchmarks by industry: the same for every caller, kept for API_BENCHMARK_CACHE_SECONDS. */
  readonly benchmarks: AnswerCache<Map<string, IndustryBenchmark>>;
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
