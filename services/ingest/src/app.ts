import type { ApiKeyStore } from '@carestream/api-keys';
import {
  registerErrorHandler,
  registerOperationalRoutes,
  serviceLogger,
  type ReadinessCheck,
} from '@carestream/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { EventPublisher } from './event-publisher.ts';
import type { IngestMetrics } from './ingest-metrics.ts';
import { eventsRoute } from './routes/events-route.ts';
import { webhookRoutes, type WebhookSettings } from './routes/webhook-routes.ts';

export interface IngestAppDependencies {
  readonly publisher: EventPublisher;
  readonly keys: ApiKeyStore;
  readonly metrics: IngestMetrics;
  readonly registry: Registry;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly limits: { readonly maxItems: number; readonly maxBytes: number };
  readonly maxFutureSkewMs: number;
  readonly retentionMs: number;
  readonly webhooks: WebhookSettings;
  readonly clock?: () => number;
  readonly logger?: boolean;
}

/** Builds the ingest HTTP app (no listening here: server.ts does that, tests use inject or listen on 0). */
export async function buildIngestApp(deps: IngestAppDependencies): Promise<FastifyInstance> {
  const clock = deps.clock ?? Date.now;
  const app = Fastify({
    logger: deps.logger ? serviceLogger() : false,
    // Our own readers enforce the body limits on the stream; this is the hard cap above them.
    bodyLimit: deps.limits.maxBytes + 1024,
  });
  registerErrorHandler(app);
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.requests.inc({
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });
  registerOperationalRoutes(app, { registry: deps.registry, checks: deps.checks });
  await app.register(eventsRoute, {
    publisher: deps.publisher,
    keys: deps.keys,
    metrics: deps.metrics,
    limits: deps.limits,
    maxFutureSkewMs: deps.maxFutureSkewMs,
    retentionMs: deps.retentionMs,
    clock,
  });
  await app.register(webhookRoutes, {
    publisher: deps.publisher,
    metrics: deps.metrics,
    settings: deps.webhooks,
    maxBytes: deps.limits.maxBytes,
    maxFutureSkewMs: deps.maxFutureSkewMs,
    retentionMs: deps.retentionMs,
    clock,
  });
  return app;
}
