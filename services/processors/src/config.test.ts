import { describe, expect, it } from 'vitest';
import { loadProcessorsConfig } from './config.ts';

const required = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8085/apis/ccompat/v7',
  DATABASE_URL: 'postgres://127.0.0.1/x',
};

describe('processors config', () => {
  it('runs the profiles and sla processors by default', () => {
    expect(loadProcessorsConfig(required).processors).toEqual(['profiles', 'sla']);
  });

  it('says where churn went when PROCESSORS still names it', () => {
    expect(() => loadProcessorsConfig({ ...required, PROCESSORS: 'sla,churn' })).toThrow(
      /PROCESSORS names "churn": churn risk is folded by the sla processor/,
    );
  });

  it('says what replaced PROCESSORS_CONCURRENT_PARTITIONS when it is still set', () => {
    expect(() => loadProcessorsConfig({ ...required, PROCESSORS_CONCURRENT_PARTITIONS: '4' })).toThrow(
      /PROCESSORS_CONCURRENT_PARTITIONS is gone.*set PROCESSORS_CONCURRENT_TRANSACTIONS/,
    );
  });

  it('lets the old generation grow to three times what survives a full collection, unless told otherwise', () => {
    expect(loadProcessorsConfig(required).heapGrowingPercent).toBe(200);
    expect(
      loadProcessorsConfig({ ...required, PROCESSORS_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent,
    ).toBe(0);
    expect(() => loadProcessorsConfig({ ...required, PROCESSORS_HEAP_GROWING_PERCENT: '-1' })).toThrow(
      /PROCESSORS_HEAP_GROWING_PERCENT/,
    );
  });

  it('names the choices for an unknown processor', () => {
    expect(() => loadProcessorsConfig({ ...required, PROCESSORS: 'sla,benchmarks' })).toThrow(
      'PROCESSORS names "benchmarks"; choose from profiles, sla',
    );
  });

  it('passes SASL_SSL settings and registry basic auth to the clients', () => {
    const config = loadProcessorsConfig({
      ...required,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'processors',
      KAFKA_SASL_PASSWORD: 'kafka-secret',
      SCHEMA_REGISTRY_USERNAME: 'processors',
      SCHEMA_REGISTRY_PASSWORD: 'registry-secret',
    });
    expect(config.kafkaSecurity).toMatchObject({
      protocol: 'SASL_SSL',
      sasl: { mechanism: 'scram-sha-512' },
    });
    expect(config.schemaRegistryAuth).toEqual({ username: 'processors', password: 'registry-secret' });
  });

  it('stops at start when registry basic auth is half given', () => {
    expect(() => loadProcessorsConfig({ ...required, SCHEMA_REGISTRY_USERNAME: 'processors' })).toThrow(
      /SCHEMA_REGISTRY_PASSWORD is required with SCHEMA_REGISTRY_USERNAME/,
    );
  });
});
