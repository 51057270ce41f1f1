import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure logic with no services (fast, parallel); `integration` talks to a real
// Kafka broker, schema registry and PostgreSQL, found or started once by the global setup.
// Long tests of faults: processes killed, Kafka stopped for longer than every client timeout, on the shared stack
// or a second stack of their own.
const FAULT_TESTS = [
  'test/e2e/faults.test.ts',
  'test/e2e/kafka-outage.test.ts',
  'test/e2e/kafka-cluster-failover.test.ts',
  'test/e2e/network-faults.test.ts',
  'test/e2e/start-supervision.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'services/*/src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'packages/*/src/**/*.int.test.ts',
            'services/*/src/**/*.int.test.ts',
            'test/e2e/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', ...FAULT_TESTS],
          globalSetup: ['./packages/test-support/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores, with the broker, registry and Postgres on them: a few files at a time.
          maxWorkers: 2,
          // Runs after the unit project (vitest needs distinct groups when worker limits differ).
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // Restarts the shared PostgreSQL, kills processes, stops the Kafka of a second stack: runs alone, after
          // everything else.
          name: 'faults',
          include: [...FAULT_TESTS],
          globalSetup: ['./packages/test-support/src/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
