import { CareError } from '@carestream/errors';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { runReadinessChecks, type ReadinessCheck } from './readiness.ts';

/** `/healthz` (the process is alive), `/readyz` (its dependencies answer) and `/metrics`. */
export function registerOperationalRoutes(
  app: FastifyInstance,
  options: { registry: Registry; checks: Readonly<Record<string, ReadinessCheck>> },
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const result = await runReadinessChecks(options.checks);
    return reply
      .code(result.ready ? 200 : 503)
      .send({ status: result.ready ? 'ready' : 'not ready', checks: result.checks });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(options.registry.contentType).send(await options.registry.metrics()),
  );
}

const STATUS_BY_CODE: Partial<Record<CareError['code'], number>> = {
  CARE_ERR_VALIDATION: 400,
  CARE_ERR_DECODE: 400,
  CARE_ERR_UNAUTHORIZED: 401,
  CARE_ERR_FORBIDDEN: 403,
  CARE_ERR_RATE_LIMITED: 429,
  CARE_ERR_NOT_FOUND: 404,
  CARE_ERR_PAYLOAD_TOO_LARGE: 413,
  CARE_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  CARE_ERR_KAFKA_UNAVAILABLE: 503,
  CARE_ERR_REGISTRY_UNAVAILABLE: 503,
  CARE_ERR_DATABASE_UNAVAILABLE: 503,
};

export const RETRY_AFTER_SECONDS = 5;

/**
 * One error handler: a 4xx names the field and why; a 503, and a 429 from a rate limit, say when to retry; any
 * other 5xx hides its internals from the caller (logged with the request id instead).
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | CareError, request, reply) => {
    if (error instanceof CareError) {
      const status = STATUS_BY_CODE[error.code] ?? 500;
      const retryAfter = error.retryAfterSeconds ?? (status === 503 ? RETRY_AFTER_SECONDS : undefined);
      if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({
        error: {
          code: error.code,
          message: status >= 500 && status !== 503 ? 'internal error' : error.message,
          ...(error.field === undefined ? {} : { field: error.field }),
        },
      });
    }
    if (error.validation) {
      const first = error.validation[0];
      const field = fieldOf(first?.instancePath, first?.params, error.validationContext);
      return reply.code(400).send({
        error: { code: 'CARE_ERR_VALIDATION', field, message: `${field} ${first?.message ?? 'is invalid'}` },
      });
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply.code(status).send({
        error: { code: error.code ?? 'CARE_ERR_VALIDATION', field: 'body', message: error.message },
      });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: { code: 'CARE_ERR_INTERNAL', message: 'internal error' } });
  });
}

function fieldOf(instancePath: string | undefined, params: unknown, context: string | undefined): string {
  const missing = (params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
  const path = (instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const leaf = missing.missingProperty ?? missing.additionalProperty;
  const joined = [path, leaf].filter((part) => part && part.length > 0).join('.');
  return joined.length > 0 ? joined : (context ?? 'request');
}
