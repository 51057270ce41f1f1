import swagger from '@fastify/swagger';
import type { ApiKeyStore } from '@carestream/api-keys';
import type { ErasureLog, IdentityResolver } from '@carestream/erasure';
import {
  acceptJsonBodies,
  answerFrameworkError,
  DEFAULT_AUTH_FAILURES,
  enforceRateLimit,
  limitFailedAuthentications,
  RateLimiter,
  registerErrorHandler,
  registerOperationalRoutes,
  serviceLogging,
  type ReadinessCheck,
} from '@carestream/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { authenticateReader } from './access.ts';
import type { ApiMetrics } from './api-metrics.ts';
import { AnswerCache } from './answer-cache.ts';
import { pageRoutes } from './page/page-routes.ts';
import type { ProjectionReader } from './projection-reader.ts';
import { agentsRoute } from './routes/agents-route.ts';
import { backlogRoute } from './routes/backlog-route.ts';
import { benchmarkRoutes } from './routes/benchmark-routes.ts';
import { brandsRoute } from './routes/brands-route.ts';
import { churnRiskRoute } from './routes/churn-risk-route.ts';
import { docsRoutes } from './routes/docs-routes.ts';
import { erasureRoutes } from './routes/erasures.ts';
import { registerBrandPreamble, type QueryRouteOptions } from './routes/route-options.ts';
import { slaRoutes } from './routes/sla-routes.ts';

export interface ApiAppDependencies {
  readonly reader: ProjectionReader;
  /** Erasure requests and their audit log (POST/GET /v1/erasures). */
  readonly erasures: ErasureLog;
  /** Turns the projections' author and message references back into clear ids, [erased] for erased ones. */
  readonly identities: IdentityResolver;
  readonly keys: ApiKeyStore;
  readonly metrics: ApiMetrics;
  readonly registry: Registry;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly rateLimitPerMinute: number;
  /** Failed authentications per client address and window (API_AUTH_FAILURE_*); absent: the defaults. */
  readonly authFailures?: { readonly limit: number; readonly windowMs: number };
  /** Proxies whose X-Forwarded-For names the client (API_TRUSTED_PROXIES); absent: the TCP peer is the client. */
  readonly trustedProxies?: readonly string[];
  readonly benchmarkCacheMs: number;
  readonly figuresCacheMs: number;
  readonly clock?: () => number;
  readonly logger?: boolean;
}

/** The largest request body the API reads, in bytes: fastify's default, named so that a 413 can say it. */
export const MAX_BODY_BYTES = 1_048_576;

/** Builds the query API (no listening here: main.ts does that; tests use inject). */
export async function buildApiApp(deps: ApiAppDependencies): Promise<FastifyInstance> {
  const clock = deps.clock ?? Date.now;
  const app = Fastify({
    ...serviceLogging(deps.logger ?? false),
    trustProxy: [...(deps.trustedProxies ?? [])],
    // Above node's 16 KB limit on a request's head, so every path value reaches its route and the id grammar
    // answers it: a brand id longer than the contract's 256 characters is an unknown brand (404), not a 414.
    routerOptions: { maxParamLength: 65_536 },
    frameworkErrors: answerFrameworkError,
  });
  // Route schemas document the API and shape the JSON answers; query parameters are read by query-params.ts's
  // readers, compiled from the same parameter schemas, which name the parameter and the fix in every 400 (the
  // schema validator would coerce and strip instead).
  app.setValidatorCompiler(() => () => true);
  // Every body the API reads (an erasure request) is JSON held to ingest's rules: UTF-8 only, the first bad byte
  // named, a 415 for any other charset or media type; and, for a legal action taken on its word, no key given
  // twice (JSON.parse would keep the last one silently).
  acceptJsonBodies(app, { maxBytes: MAX_BODY_BYTES });
  registerErrorHandler(app, { routesListedAt: '/docs' });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.requests.inc({ route, status: String(reply.statusCode) });
    deps.metrics.duration.observe({ route }, reply.elapsedTime / 1000);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'carestream query API',
        version: '1.0.0',
        description:
          'SLA figures, agents, backlog, churn risk and industry benchmarks of social customer care. JSON by ' +
          'default, CSV (RFC 4180, dotted headers) with Accept: text/csv. Times are ISO 8601 UTC; durations seconds.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key with read or admin scope.' },
        },
      },
      tags: [
        { name: 'sla', description: 'Response figures over a period' },
        { name: 'backlog', description: 'Open mentions now' },
        { name: 'churn', description: 'Customers at risk' },
        { name: 'benchmarks', description: 'Industry aggregates and ranks' },
        { name: 'erasure', description: 'Erasing an author or a message (admin keys)' },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
    },
  });

  // Operational routes are documented but not rate limited or authenticated (probes and scrapers call them).
  app.addHook('onRoute', (route) => {
    const summary = OPERATIONS[route.url];
    if (summary !== undefined) route.schema = { ...route.schema, tags: ['operations'], summary };
  });
  registerOperationalRoutes(app, { registry: deps.registry, checks: deps.checks });
  await app.register(docsRoutes);
  await app.register(pageRoutes);

  const routeOptions: QueryRouteOptions = {
    reader: deps.reader,
    identities: deps.identities,
    benchmarks: new AnswerCache({
      name: 'benchmarks',
      ttlMs: deps.benchmarkCacheMs,
      clock,
      metrics: deps.metrics,
    }),
    figuresCacheMs: deps.figuresCacheMs,
    metrics: deps.metrics,
    clock,
  };
  const perKey = new RateLimiter({ limit: deps.rateLimitPerMinute, windowMs: 60_000, clock });
  const authFailures = new RateLimiter({ ...(deps.authFailures ?? DEFAULT_AUTH_FAILURES), clock });
  await app.register(async (v1) => {
    // First the address's failed authentications, so that a key is never checked for an address guessing keys.
    limitFailedAuthentications(v1, authFailures);
    v1.addHook('onRequest', async (request, reply) => {
      const principal = await authenticateReader(request, deps.keys);
      enforceRateLimit(
        reply,
        perKey.take(principal.keyId),
        `has made ${deps.rateLimitPerMinute} requests this minute, its limit (API_RATE_LIMIT_PER_MINUTE)`,
      );
    });
    registerBrandPreamble(v1, clock);
    await v1.register(brandsRoute, routeOptions);
    await v1.register(slaRoutes, routeOptions);
    await v1.register(agentsRoute, routeOptions);
    await v1.register(backlogRoute, routeOptions);
    await v1.register(churnRiskRoute, routeOptions);
    await v1.register(benchmarkRoutes, routeOptions);
    await v1.register(erasureRoutes, { erasures: deps.erasures });
  });
  return app;
}

const OPERATIONS: Record<string, string> = {
  '/healthz': 'The process is alive',
  '/readyz': 'Postgres answers',
  '/metrics': 'Prometheus metrics',
};
