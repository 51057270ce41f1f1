import { describe, expect, it } from 'vitest';
import { loadApiConfig } from './config.ts';

const REQUIRED = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5433/db' };

describe('API configuration: rate limits', () => {
  it('given no settings, when read, then 600 requests per key and minute, 20 failed authentications per 10 minutes', () => {
    const config = loadApiConfig(REQUIRED);
    expect(config.rateLimitPerMinute).toBe(600);
    expect(config.authFailures).toEqual({ limit: 20, windowMs: 600_000 });
    expect(config.trustedProxies).toEqual([]);
  });

  it('given settings, when read, then they are used; a bad one stops start-up naming it', () => {
    const config = loadApiConfig({
      ...REQUIRED,
      API_AUTH_FAILURE_LIMIT: '5',
      API_AUTH_FAILURE_WINDOW_SECONDS: '60',
      API_TRUSTED_PROXIES: '10.0.0.0/8,fd00::/8',
    });
    expect(config.authFailures).toEqual({ limit: 5, windowMs: 60_000 });
    expect(config.trustedProxies).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(() => loadApiConfig({ ...REQUIRED, API_AUTH_FAILURE_LIMIT: 'many' })).toThrow(
      'API_AUTH_FAILURE_LIMIT must be an integer from 1',
    );
    expect(() => loadApiConfig({ ...REQUIRED, API_TRUSTED_PROXIES: '10.0.0.0/40' })).toThrow(
      /^API_TRUSTED_PROXIES must be IP addresses or CIDR ranges/,
    );
  });
});
