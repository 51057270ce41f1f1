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
});
