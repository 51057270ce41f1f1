import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseExportLines } from '../../packages/test-support/src/global-setup.ts';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const compose = parse(readFileSync(root('docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image: string; ports?: string[]; environment?: Record<string, string> }>;
};
const stackScript = readFileSync(root('infra/local-stack/stack.sh'), 'utf8');

function stackSetting(name: string): string {
  const match = new RegExp(`^${name}="(?:\\$\\{[A-Z_]+:-)?([^}"]+)\\}?"`, 'm').exec(stackScript);
  if (!match?.[1]) throw new Error(`stack.sh defines no ${name}`);
  return match[1];
}

function hostPort(service: string): string {
  const mapping = compose.services[service]?.ports?.[0];
  if (!mapping) throw new Error(`${service} publishes no port`);
  return mapping.split(':')[0] ?? '';
}

// The env lines a user of either stack exports, as stack.sh prints them.
const stackEnv = parseExportLines(
  [
    `export KAFKA_BROKERS=127.0.0.1:${stackSetting('KAFKA_PORT')}`,
    `export SCHEMA_REGISTRY_URL=http://127.0.0.1:${stackSetting('REGISTRY_PORT')}/apis/ccompat/v7`,
    `export DATABASE_URL=postgres://${stackSetting('PG_USER')}:${stackSetting('PG_PASSWORD')}@127.0.0.1:${stackSetting('PG_PORT')}/${stackSetting('PG_DB')}`,
  ].join('\n'),
);

describe('docker-compose.yml agrees with the local stack', () => {
  it('has Kafka, the registry, Postgres, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['kafka', 'registry', 'postgres', 'prometheus', 'grafana']),
    );
  });

  it('runs the same versions of Kafka and Apicurio Registry', () => {
    expect(compose.services.kafka?.image).toBe(`apache/kafka:${stackSetting('KAFKA_VERSION')}`);
    expect(compose.services.registry?.image).toBe(
      `apicurio/apicurio-registry:${stackSetting('APICURIO_VERSION')}`,
    );
  });

  it('publishes the same host ports', () => {
    expect(hostPort('kafka')).toBe(stackSetting('KAFKA_PORT'));
    expect(hostPort('registry')).toBe(stackSetting('REGISTRY_PORT'));
    expect(hostPort('postgres')).toBe(stackSetting('PG_PORT'));
    expect(compose.services.kafka?.environment?.KAFKA_ADVERTISED_LISTENERS).toContain(
      `127.0.0.1:${stackSetting('KAFKA_PORT')}`,
    );
  });

  it('uses the same credentials, database and registry storage', () => {
    const postgres = compose.services.postgres?.environment ?? {};
    const url = new URL(stackEnv.DATABASE_URL ?? '');
    expect(postgres.POSTGRES_USER).toBe(url.username);
    expect(postgres.POSTGRES_PASSWORD).toBe(url.password);
    expect(postgres.POSTGRES_DB).toBe(url.pathname.slice(1));
    expect(compose.services.registry?.environment?.APICURIO_STORAGE_KIND).toBe('sql');
    expect(stackScript).toContain('APICURIO_STORAGE_KIND=sql');
  });
});

describe('docker-compose.yml runs carestream itself', () => {
  it('has the ingest, processors and API services on the local ports, wired to the compose network', () => {
    expect(hostPort('ingest')).toBe('8080');
    expect(hostPort('api')).toBe('8081');
    expect(hostPort('processors')).toBe('9464');
    for (const service of ['ingest', 'processors', 'api']) {
      const environment = compose.services[service]?.environment ?? {};
      expect(Object.keys(environment)).toEqual(
        expect.arrayContaining(['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL']),
      );
      expect(environment.DATABASE_URL).toContain('@postgres:5432/carestream');
    }
  });
});
