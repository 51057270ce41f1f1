// For the CLI's integration tests: the real ingest service, in-process on a free port, with a database and
// topics of the test file's own.
import type { AddressInfo } from 'node:net';
import { topicNames, type TopicNames } from '@carestream/contract';
import { loadIngestConfig, startIngest } from '@carestream/ingest';
import {
  createTestDatabase,
  deleteTestTopics,
  testServices,
  uniqueName,
  type TestDatabase,
} from '@carestream/test-support';

export interface TestIngest {
  readonly url: string;
  /** The topic prefix (CARESTREAM_TOPIC_PREFIX): processors started next to this ingest use it too. */
  readonly prefix: string;
  readonly names: TopicNames;
  readonly database: TestDatabase;
  /** Stops ingest, drops the database and deletes the topics. */
  close(): Promise<void>;
}

export async function startTestIngest(
  env: Record<string, string> = {},
  options: { clock?: () => number } = {},
): Promise<TestIngest> {
  const services = testServices();
  const prefix = `${uniqueName('t')}.`;
  const database = await createTestDatabase();
  const runtime = await startIngest(
    loadIngestConfig({
      KAFKA_BROKERS: services.kafkaBrokers,
      SCHEMA_REGISTRY_URL: services.schemaRegistryUrl,
      DATABASE_URL: database.url,
      CARESTREAM_TOPIC_PREFIX: prefix,
      CARESTREAM_PARTITIONS: '3',
      // Tests may send fixed past dates on the real clock: a century's retention window keeps them inside it
      // whatever the date. A test of the window itself passes CARESTREAM_RETENTION_DAYS.
      CARESTREAM_RETENTION_DAYS: '36500',
      ...env,
    }),
    options,
  );
  await runtime.app.listen({ port: 0, host: '127.0.0.1' });
  const names = topicNames(prefix);
  return {
    url: `http://127.0.0.1:${(runtime.app.server.address() as AddressInfo).port}`,
    prefix,
    names,
    database,
    close: async () => {
      await runtime.close();
      await database.drop();
      await deleteTestTopics(Object.values(names));
    },
  };
}
