import { describe, expect, it } from 'vitest';
import { canAccessBrand, generateApiKey, parseApiKey, secretMatches, tokenEquals } from './api-key.ts';

describe('api keys', () => {
  it('generates a token whose secret matches only its own hash', () => {
    const key = generateApiKey();
    const parsed = parseApiKey(key.token);
    expect(parsed?.keyId).toBe(key.keyId);
    expect(secretMatches(parsed?.secret ?? '', key.secretHash)).toBe(true);
    expect(secretMatches(parseApiKey(generateApiKey().token)?.secret ?? '', key.secretHash)).toBe(false);
  });

  it('never stores the secret: the hash does not contain it', () => {
    const key = generateApiKey();
    const secret = parseApiKey(key.token)?.secret ?? '';
    expect(key.secretHash.toString('base64url')).not.toContain(secret);
  });

  it('rejects tokens of the wrong shape', () => {
    expect(parseApiKey('Bearer nonsense')).toBeUndefined();
    expect(parseApiKey('cs_short_secret')).toBeUndefined();
  });

  it('compares configured tokens in constant time and exactly', () => {
    expect(tokenEquals('admin-secret', 'admin-secret')).toBe(true);
    expect(tokenEquals('admin-secret', 'admin-secreT')).toBe(false);
    expect(tokenEquals('admin', 'admin-secret')).toBe(false);
  });

  it('limits a brand key to its brands and lets admin see all', () => {
    expect(canAccessBrand({ keyId: 'k', scope: 'read', brandIds: ['acme'] }, 'acme')).toBe(true);
    expect(canAccessBrand({ keyId: 'k', scope: 'read', brandIds: ['acme'] }, 'globex')).toBe(false);
    expect(canAccessBrand({ keyId: 'k', scope: 'admin', brandIds: null }, 'globex')).toBe(true);
  });
});
