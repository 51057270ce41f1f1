import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Held while migrating (any 64-bit key of our own: "carestream.migrate"). */
const MIGRATION_LOCK = 0x636172656d696772n;

/**
 * Brings the database schema up to date with node-pg-migrate (plain SQL files in ../migrations, applied in
 * order, recorded in the pgmigrations table). Every service migrates on start, and on a fresh database they
 * start together: node-pg-migrate's own lock fails the second one ("Another migration is already running"),
 * so we take a blocking advisory lock around it instead: the second start waits, then finds nothing to do.
 * `count` applies only that many of the pending migrations.
 */
export async function migrate(databaseUrl: string, options: { count?: number } = {}): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'carestream-migrate' });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    const applied = await runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      checkOrder: true,
      log: () => undefined,
      noLock: true,
      // Tests of a migration first bring a database to the one before it.
      ...(options.count === undefined ? {} : { count: options.count }),
    });
    return applied.map((migration) => migration.name);
  } finally {
    await client.end();
  }
}
