import type { FastifyRequest, FastifyServerOptions } from 'fastify';

type LoggerOptions = Exclude<NonNullable<FastifyServerOptions['logger']>, boolean>;

/**
 * The services' logger: each request is logged by method and path only. Never its query string, which can hold
 * secrets (the dashboard's `?key=…`, Meta's `hub.verify_token`), nor its headers (keys, webhook signatures).
 */
export function serviceLogger(destination?: NodeJS.WritableStream): LoggerOptions {
  return {
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        path: request.url.split('?')[0],
        remoteAddress: request.ip,
      }),
    },
    ...(destination ? { stream: destination } : {}),
  };
}
