import { CareError, codeForClientStatus, httpStatusOf } from '@carestream/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

export const RETRY_AFTER_SECONDS = 5;

/**
 * One error handler: a 4xx names the field and why; a 503, and a 429 from a rate limit, say when to retry; any
 * other 5xx hides its internals from the caller (logged with the request id instead). Errors fastify raises
 * itself (its schema validator, a body it cannot parse) become CareErrors first, so every error answer a client
 * sees is written by `sendCareError`. A path no route serves is a 404 CARE_ERR_NOT_FOUND naming it (and where the
 * routes are listed, when the service lists them).
 */
export function registerErrorHandler(app: FastifyInstance, options: { routesListedAt?: string } = {}): void {
  app.setErrorHandler((error: FastifyError | CareError, request, reply) =>
    sendCareError(request, reply, asCareError(error)),
  );
  const hint = options.routesListedAt === undefined ? '' : `; see ${options.routesListedAt}`;
  app.setNotFoundHandler((request) => {
    const path = request.url.split('?')[0] ?? '';
    throw new CareError('CARE_ERR_NOT_FOUND', `no route ${request.method} ${path}${hint}`, { field: 'path' });
  });
}

/** Writes a CareError as the answer: its code's status, `{ error: { code, message, field? }, ...details }`. */
export function sendCareError(request: FastifyRequest, reply: FastifyReply, error: CareError): FastifyReply {
  const status = httpStatusOf(error.code);
  const retryAfter = error.retryAfterSeconds ?? (status === 503 ? RETRY_AFTER_SECONDS : undefined);
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  const hidden = status >= 500 && status !== 503;
  return reply.code(status).send({
    error: {
      code: error.code,
      message: hidden ? 'internal error' : error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
    },
    ...(hidden ? {} : error.details),
  });
}

function asCareError(error: FastifyError | CareError): CareError {
  if (error instanceof CareError) return error;
  if (error.validation) {
    const first = error.validation[0];
    const field = fieldOf(first?.instancePath, first?.params, error.validationContext);
    return new CareError('CARE_ERR_VALIDATION', `${field} ${first?.message ?? 'is invalid'}`, { field });
  }
  const status = error.statusCode ?? 500;
  // fastify's 415 (a Content-Type it cannot parse, or one no parser takes) is about that header, not the body.
  if (status === 415) {
    return new CareError(
      'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
      'is not a media type this route reads (type/subtype, such as application/json)',
      { field: 'content-type', cause: error },
    );
  }
  if (status < 500)
    return new CareError(codeForClientStatus(status), error.message, { field: 'body', cause: error });
  return new CareError('CARE_ERR_INTERNAL', error.message, { cause: error });
}

function fieldOf(instancePath: string | undefined, params: unknown, context: string | undefined): string {
  const missing = (params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
  const path = (instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const leaf = missing.missingProperty ?? missing.additionalProperty;
  const joined = [path, leaf].filter((part) => part && part.length > 0).join('.');
  return joined.length > 0 ? joined : (context ?? 'request');
}
