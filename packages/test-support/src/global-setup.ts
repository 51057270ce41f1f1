import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import type { ServiceEndpoints } from './services.ts';

const run = promisify(execFile);
const STACK_SCRIPT = fileURLToPath(new URL('../../../infra/local-stack/stack.sh', import.meta.url));

// Same images and versions as docker-compose.yml and the local stack.
const KAFKA_IMAGE = 'apache/kafka:3.9.1';
const REGISTRY_IMAGE = 'apicurio/apicurio-registry:3.0.9';
const POSTGRES_IMAGE = 'postgres:15';

type Stop = () => Promise<void>;

/**
 * Finds the services the integration tests talk to, in this order: KAFKA_BROKERS, SCHEMA_REGISTRY_URL and
 * DATABASE_URL if all are set; else containers, where a Docker engine answers; else the local stack
 * (infra/local-stack/stack.sh), which installs and starts real Kafka, Apicurio Registry and PostgreSQL.
 */
export default async function setup(project: TestProject): Promise<Stop | undefined> {
  const fromEnv = endpointsFromEnvironment(process.env);
  if (fromEnv) {
    project.provide('services', fromEnv);
    return undefined;
  }
  if (await dockerAnswers()) {
    const { endpoints, stop } = await startContainers();
    project.provide('services', endpoints);
    return stop;
  }
  project.provide('services', await startLocalStack());
  // The local stack is left running: it is shared by every clone on the machine and by `npm start`.
  return undefined;
}

export function endpointsFromEnvironment(env: NodeJS.ProcessEnv): ServiceEndpoints | undefined {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL } = env;
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !DATABASE_URL) return undefined;
  return {
    kafkaBrokers: KAFKA_BROKERS,
    schemaRegistryUrl: SCHEMA_REGISTRY_URL,
    databaseUrl: DATABASE_URL,
    source: 'environment',
  };
}

/** Parses the `export NAME=value` lines printed by `stack.sh env`. */
export function parseExportLines(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] && match[2] !== undefined) values[match[1]] = match[2];
  }
  return values;
}

async function startLocalStack(): Promise<ServiceEndpoints> {
  const { stdout } = await run('bash', [STACK_SCRIPT, 'up'], { maxBuffer: 16 * 1024 * 1024 });
  const found = endpointsFromEnvironment(parseExportLines(stdout));
  if (!found) throw new Error(`stack.sh up printed no endpoints:\n${stdout}`);
  return { ...found, source: 'local-stack' };
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 5_000)),
    ]);
    return Boolean(client);
  } catch {
    return false;
  }
}

async function startContainers(): Promise<{ endpoints: ServiceEndpoints; stop: Stop }> {
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const network = await new Network().start();
  const postgres = await new GenericContainer(POSTGRES_IMAGE)
    .withNetwork(network)
    .withNetworkAliases('postgres')
    .withEnvironment({
      POSTGRES_USER: 'carestream',
      POSTGRES_PASSWORD: 'carestream',
      POSTGRES_DB: 'carestream',
    })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const kafkaPort = 9092;
  // The broker must advertise the port the host sees; a fixed host port keeps that simple.
  const kafka = await new GenericContainer(KAFKA_IMAGE)
    .withNetwork(network)
    .withExposedPorts({ container: kafkaPort, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const registry = await new GenericContainer(REGISTRY_IMAGE)
    .withNetwork(network)
    .withEnvironment({
      APICURIO_STORAGE_KIND: 'sql',
      APICURIO_STORAGE_SQL_KIND: 'postgresql',
      APICURIO_DATASOURCE_URL: 'jdbc:postgresql://postgres:5432/carestream',
      APICURIO_DATASOURCE_USERNAME: 'carestream',
      APICURIO_DATASOURCE_PASSWORD: 'carestream',
    })
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
    .start();
  const endpoints: ServiceEndpoints = {
    kafkaBrokers: `127.0.0.1:${kafkaPort}`,
    schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
    databaseUrl: `postgres://carestream:carestream@${postgres.getHost()}:${postgres.getMappedPort(5432)}/carestream`,
    source: 'testcontainers',
  };
  return {
    endpoints,
    stop: async () => {
      await registry.stop();
      await kafka.stop();
      await postgres.stop();
      await network.stop();
    },
  };
}
