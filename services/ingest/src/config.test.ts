import { describe, expect, it } from 'vitest';
import { loadIngestConfig } from './config.ts';

const REQUIRED = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8085/apis/ccompat/v7',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5433/db',
};

describe('ingest configuration', () => {
  it('given webhook account brands, when read, then they map account ids to brand ids', () => {
    const config = loadIngestConfig({ ...REQUIRED, WEBHOOK_ACCOUNT_BRANDS: '{"2244994945":"acme"}' });
    expect(config.webhooks.accountBrands).toEqual({ '2244994945': 'acme' });
  });

  it.each(['acme:uk', '../x', 'a b', 'a\\u0000b', ''])(
    'given a brand id outside the id grammar (%j), when read, then start-up stops naming the setting',
    (brand) => {
      expect(() =>
        loadIngestConfig({ ...REQUIRED, WEBHOOK_ACCOUNT_BRANDS: `{"2244994945":"${brand}"}` }),
      ).toThrow(/WEBHOOK_ACCOUNT_BRANDS/);
    },
  );

  it('given no retention setting, when read, then the window is the contract default of 400 days', () => {
    expect(loadIngestConfig(REQUIRED).retentionMs).toBe(400 * 86_400_000);
    expect(loadIngestConfig({ ...REQUIRED, CARESTREAM_RETENTION_DAYS: '30' }).retentionMs).toBe(
      30 * 86_400_000,
    );
  });

  it('given a retention that is not a positive whole number of days, when read, then start-up stops naming it', () => {
    for (const value of ['0', '-5', '1.5', 'forever']) {
      expect(() => loadIngestConfig({ ...REQUIRED, CARESTREAM_RETENTION_DAYS: value }), value).toThrow(
        `CARESTREAM_RETENTION_DAYS must be an integer from 1 to 100000, got "${value}"`,
      );
    }
  });

  it('given no Kafka timeout, when read, then a request waits at most 5 s for Kafka; a setting changes it', () => {
    expect(loadIngestConfig(REQUIRED).kafkaTimeoutMs).toBe(5_000);
    expect(loadIngestConfig({ ...REQUIRED, INGEST_KAFKA_TIMEOUT_MS: '1500' }).kafkaTimeoutMs).toBe(1_500);
    expect(() => loadIngestConfig({ ...REQUIRED, INGEST_KAFKA_TIMEOUT_MS: '0' })).toThrow(
      'INGEST_KAFKA_TIMEOUT_MS must be an integer from 100 to 120000, got "0"',
    );
  });
});

describe('ingest rate limits configuration', () => {
  it('given no settings, when read, then 20 failed authentications per 10 minutes and 120,000 items per key and minute', () => {
    const config = loadIngestConfig(REQUIRED);
    expect(config.authFailures).toEqual({ limit: 20, windowMs: 600_000 });
    expect(config.itemsPerKeyPerMinute).toBe(120_000);
    expect(config.trustedProxies).toEqual([]);
  });

  it('given requests larger than the default budget, when read, then the budget holds one full request', () => {
    expect(loadIngestConfig({ ...REQUIRED, INGEST_MAX_ITEMS: '200000' }).itemsPerKeyPerMinute).toBe(200_000);
  });

  it('given a budget smaller than a full request, when read, then start-up stops naming both settings', () => {
    expect(() =>
      loadIngestConfig({ ...REQUIRED, INGEST_MAX_ITEMS: '500', INGEST_RATE_LIMIT_ITEMS_PER_MINUTE: '499' }),
    ).toThrow(
      'INGEST_RATE_LIMIT_ITEMS_PER_MINUTE (499) must be at least INGEST_MAX_ITEMS (500): a full request could never be accepted',
    );
  });

  it('given bad limits, when read, then start-up stops naming the setting', () => {
    expect(() => loadIngestConfig({ ...REQUIRED, INGEST_AUTH_FAILURE_LIMIT: '0' })).toThrow(
      'INGEST_AUTH_FAILURE_LIMIT must be an integer from 1',
    );
    expect(() => loadIngestConfig({ ...REQUIRED, INGEST_AUTH_FAILURE_WINDOW_SECONDS: '86401' })).toThrow(
      'INGEST_AUTH_FAILURE_WINDOW_SECONDS must be an integer from 1 to 86400, got "86401"',
    );
    expect(() => loadIngestConfig({ ...REQUIRED, INGEST_TRUSTED_PROXIES: 'lb.internal' })).toThrow(
      /^INGEST_TRUSTED_PROXIES must be IP addresses or CIDR ranges/,
    );
  });

  it('given SASL credentials and registry basic auth, when read, then the Kafka and registry clients get them', () => {
    const config = loadIngestConfig({
      ...REQUIRED,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'ingest',
      KAFKA_SASL_PASSWORD: 'kafka-secret',
      SCHEMA_REGISTRY_USERNAME: 'ingest',
      SCHEMA_REGISTRY_PASSWORD: 'registry-secret',
    });
    expect(config.kafkaSecurity.sasl).toEqual({
      mechanism: 'plain',
      username: 'ingest',
      password: 'kafka-secret',
    });
    expect(config.schemaRegistryAuth).toEqual({ username: 'ingest', password: 'registry-secret' });
  });

  it('given a SASL username without SASL_SSL, when read, then start-up stops naming KAFKA_SECURITY_PROTOCOL', () => {
    expect(() => loadIngestConfig({ ...REQUIRED, KAFKA_SASL_USERNAME: 'ingest' })).toThrow(
      /KAFKA_SASL_USERNAME is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT/,
    );
  });
});
