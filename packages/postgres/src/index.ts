export { createPool, withTransaction, type Pool, type PoolClient, type PoolOptions } from './pool.ts';
export { migrate, MIGRATIONS_DIR } from './migrate.ts';
export { readBrandRules } from './brand-rules.ts';
export { summedSketches } from './summed-sketches.ts';
export { databaseUnavailable, isDatabaseUnavailable } from './unavailable.ts';
export {
  arrayColumn,
  arrayLiteral,
  instantsFromEpochMs,
  packBytes,
  type ArrayElement,
  type PackedBytes,
} from './bulk-parameters.ts';
