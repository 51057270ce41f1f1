import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/**
 * Brings the database schema up to date with node-pg-migrate (plain SQL files in ../migrations, applied in
 * order, recorded in the pgmigrations table, guarded by an advisory lock so concurrent starts are safe).
 */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    log: () => undefined,
    noLock: false,
  });
  return applied.map((migration) => migration.name);
}
