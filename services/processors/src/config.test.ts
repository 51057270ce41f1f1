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

  it('names the choices for an unknown processor', () => {
    expect(() => loadProcessorsConfig({ ...required, PROCESSORS: 'sla,benchmarks' })).toThrow(
      'PROCESSORS names "benchmarks"; choose from profiles, sla',
    );
  });
});
