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

  it('given a brand id with a colon, when read, then start-up stops naming the setting', () => {
    expect(() =>
      loadIngestConfig({ ...REQUIRED, WEBHOOK_ACCOUNT_BRANDS: '{"2244994945":"acme:uk"}' }),
    ).toThrow(/WEBHOOK_ACCOUNT_BRANDS/);
  });

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
