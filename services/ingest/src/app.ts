import type { ApiKeyStore } from '@carestream/api-keys';
import type { ErasureLog, IdentityVault } from '@carestream/erasure';
import {
  answerFrameworkError,
  DEFAULT_AUTH_FAILURES,
  limitFailedAuthentications,
  RateLimiter,
  registerErrorHandler,
  registerOperationalRoutes,
  serviceLogging,
  type ReadinessCheck,
} from '@carestream/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { DEFAULT_ITEMS_PER_KEY_PER_MINUTE } from './config.ts';
import type { EventPublisher } from './event-publisher.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { eventsRoute } from './routes/events-route.ts';
import { openApiRoute } from './routes/openapi-route.ts';
import { webhookRoutes, type WebhookSettings } from './routes/webhook-routes.ts';

export interface IngestAppDependencies {
  readonly publisher: EventPublisher;
  /** Erasures asked for by the platforms' webhooks (deleted tweets, revoked users). */
  readonly erasures: ErasureLog;
  /** Author and message references (the webhooks' platform ids that name a person). */
  readonly identities: IdentityVault;
  readonly keys: ApiKeyStore;
  readonly metrics: IngestMetrics;
  readonly registry: Registry;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly limits: { readonly maxItems: number; readonly maxBytes: number };
  readonly maxFutureSkewMs: number;
  readonly retentionMs: number;
  readonly webhooks: WebhookSettings;
  /** Failed authentications per client address and window (INGEST_AUTH_FAILURE_*); absent: the defaults. */
  readonly authFailures?: { readonly limit: number; readonly windowMs: number };
  /** Items per key and minute on POST /v1/events (INGEST_RATE_LIMIT_ITEMS_PER_MINUTE); absent: the default. */
  readonly itemsPerKeyPerMinute?: number;
  /** Proxies whose X-Forwarded-For names the client (INGEST_TRUSTED_PROXIES); absent: the TCP peer is the client. */
  readonly trustedProxies?: readonly string[];
  readonly clock?: () => number;
  readonly logger?: boolean;
  /** Where log lines go when `logger` is on (tests read them); absent: stdout. */
  readonly logTo?: NodeJS.WritableStream;
}

/** Builds the ingest HTTP app (no listening here: main.ts does that, tests use inject or listen on 0). */
export async function buildIngestApp(deps: IngestAppDependencies): Promise<FastifyInstance> {
  const clock = deps.clock ?? Date.now;
  const app = Fastify({
    ...serviceLogging(deps.logger ?? false, deps.logTo),
    trustProxy: [...(deps.trustedProxies ?? [])],
    // Our own readers enforce the body limits on the stream; this is the hard cap above them.
    bodyLimit: deps.limits.maxBytes + 1024,
    frameworkErrors: answerFrameworkError,
  });
  registerErrorHandler(app);
  // A client that closes its connection before it has sent the whole request (mid-body, or a malformed chunk,
  // after which node drops the connection) is the client's doing, not a fault of ingest's: one line at info,
  // without a stack. Its body read fails as a 4xx (body-reader.ts), and no answer is sent, so none is counted.
  app.addHook('onRequestAbort', async (request) => {
    request.log.info(
      { req: request },
      'the client closed the connection before it had sent the whole request',
    );
  });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.requests.inc({
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });
  registerOperationalRoutes(app, { registry: deps.registry, checks: deps.checks });
  await app.register(openApiRoute);
  const authFailures = new RateLimiter({ ...(deps.authFailures ?? DEFAULT_AUTH_FAILURES), clock });
  const itemsPerKey = new RateLimiter({
    limit: deps.itemsPerKeyPerMinute ?? DEFAULT_ITEMS_PER_KEY_PER_MINUTE,
    windowMs: 60_000,
    clock,
  });
  // The routes that authenticate their caller (a key, a webhook signature), behind one count of failures per address.
  await app.register(async (authenticated) => {
    limitFailedAuthentications(authenticated, authFailures);
    await authenticated.register(eventsRoute, {
      publisher: deps.publisher,
      keys: deps.keys,
      metrics: deps.metrics,
      limits: deps.limits,
      itemsPerKey,
      maxFutureSkewMs: deps.maxFutureSkewMs,
      retentionMs: deps.retentionMs,
      clock,
    });
    await authenticated.register(webhookRoutes, {
      publisher: deps.publisher,
      erasures: deps.erasures,
      identities: deps.identities,
      metrics: deps.metrics,
      settings: deps.webhooks,
      maxBytes: deps.limits.maxBytes,
      maxFutureSkewMs: deps.maxFutureSkewMs,
      retentionMs: deps.retentionMs,
      clock,
    });
  });
  return app;
}
