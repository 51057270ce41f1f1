import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_SCOPES = ['admin', 'write', 'read'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** Who is calling: an admin key sees every brand; other keys are limited to their brands. */
export interface Principal {
  readonly keyId: string;
  readonly scope: KeyScope;
  /** null for admin keys (every brand). */
  readonly brandIds: readonly string[] | null;
}

const TOKEN_FORMAT = /^cs_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedKey {
  readonly keyId: string;
  /** Shown to the user once; only its hash is stored. */
  readonly token: string;
  readonly secretHash: Buffer;
}

/** A key is `cs_<id>_<secret>`: the id finds the row, the 256-bit secret is checked against its hash. */
export function generateApiKey(): GeneratedKey {
  const keyId = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { keyId, token: `cs_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

export function parseApiKey(token: string): { keyId: string; secret: string } | undefined {
  const match = TOKEN_FORMAT.exec(token);
  if (!match?.[1] || !match[2]) return undefined;
  return { keyId: match[1], secret: match[2] };
}

// The secret is 256 random bits, so a fast hash is enough (no dictionary to guard against); a slow KDF
// would only cost latency on every request.
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const candidate = hashSecret(secret);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}

/** Constant-time comparison of a presented token with a configured one (CARESTREAM_ADMIN_KEY). */
export function tokenEquals(presented: string, configured: string): boolean {
  return timingSafeEqual(hashSecret(presented), hashSecret(configured));
}

export function canAccessBrand(principal: Principal, brandId: string): boolean {
  return principal.brandIds === null || principal.brandIds.includes(brandId);
}

export function canWrite(principal: Principal): boolean {
  return principal.scope === 'admin' || principal.scope === 'write';
}

export function canRead(principal: Principal): boolean {
  return principal.scope === 'admin' || principal.scope === 'read';
}
