import pg from 'pg';

// Counts and sums are bigint in SQL; they fit in a double for any realistic volume, so parse them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));
// A timestamp without time zone (no column has one; an expression such as `x at time zone 'UTC'` gives one) is
// read as UTC, not in the process's time zone: figures must not depend on where the service runs.
const parseTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (value: string) => Date;
pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (value) =>
  // 'infinity' and BC dates keep the default reading
  parseTimestamptz(/^\d.*\d$/.test(value) ? `${value}+00` : value),
);

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  readonly connectionString: string;
  readonly max?: number;
  readonly applicationName?: string;
}

export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'carestream',
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its server (Postgres restarted) must not crash the process; the next query retries.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs fn inside one transaction; rolls back on any error and rethrows it. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
