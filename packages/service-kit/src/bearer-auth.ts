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
