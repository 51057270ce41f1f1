import { canAccessBrand, canRead, type ApiKeyStore, type Principal } from '@carestream/api-keys';
import { isBrandId, printableId } from '@carestream/contract';
import { CareError } from '@carestream/errors';
import { authenticateRequest } from '@carestream/service-kit';
import type { FastifyRequest } from 'fastify';

/** The caller, who must hold a read or admin key (401 without a valid key, 403 with a write-only key). */
export async function authenticateReader(request: FastifyRequest, keys: ApiKeyStore): Promise<Principal> {
  const principal = await authenticateRequest(request, keys);
  if (!canRead(principal)) {
    throw new CareError(
      'CARE_ERR_FORBIDDEN',
      `belongs to a ${principal.scope} key, which cannot read figures; use a read or admin key`,
      { field: 'authorization' },
    );
  }
  return principal;
}

/**
 * The same answer for a brand the key may not read as for a brand that does not exist. The id is quoted in
 * printable form: it may be any bytes a client put in a URL.
 */
export function brandNotFound(brandId: string): CareError {
  return new CareError(
    'CARE_ERR_NOT_FOUND',
    `no brand "${printableId(brandId)}" is visible to this API key`,
    {
      field: 'brandId',
    },
  );
}

/**
 * Every brand route's first check, before any parameter is looked at and before PostgreSQL is asked: a path
 * value that no brand could have (it breaks the brand id grammar: `%00`, `a/b`, 10 KB) is a brand that does
 * not exist, so it gets the same 404 as an unknown brand or another tenant's, and tells a brand-limited key
 * nothing more than before. Without it a NUL reached PostgreSQL, which refused it: a 500.
 */
export function assertBrandVisible(principal: Principal, brandId: string): void {
  if (!isBrandId(brandId) || !canAccessBrand(principal, brandId)) throw brandNotFound(brandId);
}
