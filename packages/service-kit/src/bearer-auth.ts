import type { ApiKeyStore, Principal } from '@carestream/api-keys';
import { CareError } from '@carestream/errors';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The caller behind `Authorization: Bearer <key>`, or a 401 naming the header and what is wrong. */
export async function authenticateRequest(request: FastifyRequest, store: ApiKeyStore): Promise<Principal> {
  const header = request.headers.authorization;
  // Node keeps the first of two Authorization headers and drops the rest; a proxy in front may keep the last.
  // Which key was meant is ambiguous, so neither is used.
  if (authorizationHeaders(request.raw.rawHeaders) > 1) {
    throw new CareError('CARE_ERR_UNAUTHORIZED', 'is given more than once; send one Authorization header', {
      field: 'authorization',
    });
  }
  if (!header) {
    throw new CareError('CARE_ERR_UNAUTHORIZED', 'is missing; send "Authorization: Bearer <api key>"', {
      field: 'authorization',
    });
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) {
    throw new CareError('CARE_ERR_UNAUTHORIZED', 'must be "Bearer <api key>"', { field: 'authorization' });
  }
  const principal = await store.authenticate(match[1]);
  if (!principal)
    throw new CareError('CARE_ERR_UNAUTHORIZED', 'is not a valid, unrevoked API key', {
      field: 'authorization',
    });
  request.principal = principal;
  return principal;
}

function authorizationHeaders(rawHeaders: readonly string[]): number {
  let count = 0;
  // Names and values alternate.
  for (let i = 0; i < rawHeaders.length; i += 2)
    if (rawHeaders[i]?.toLowerCase() === 'authorization') count += 1;
  return count;
}
