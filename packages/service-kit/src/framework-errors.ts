import { CareError } from '@carestream/errors';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { sendCareError } from './http-plugins.ts';

/**
 * fastify's `frameworkErrors` option: what fastify finds wrong with a request before any route sees it gets the
 * one error shape, naming the path. (The reply fastify hands over here belongs to no route, so an error thrown
 * here would miss the app's error handler and come out as a 500: it is written by the handler's `sendCareError`
 * directly.) Without it fastify answered its own body and
 * echoed the whole path back (10 KB of it, for a 10 KB id). FST_ERR_BAD_URL is a path that does not decode: a
 * '%' that starts no two-hex-digit escape, or escapes whose bytes are not UTF-8 (`%FF`, an overlong `%C0%AF`,
 * a surrogate `%ED%A0%80`).
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const message =
    error.code === 'FST_ERR_BAD_URL'
      ? 'does not decode: every % must start an escape of two hex digits, and the escaped bytes must be UTF-8'
      : `is refused: ${error.message.replace(/'[^']*'/g, 'the path')}`;
  void sendCareError(request, reply, new CareError('CARE_ERR_VALIDATION', message, { field: 'path' }));
}
