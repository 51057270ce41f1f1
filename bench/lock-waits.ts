// Samples what the processors' PostgreSQL sessions are doing while they catch up: how often one of them waits
// on a lock (row, advisory or transaction id) held by another, which is what instances sharing rows do.
import pg from 'pg';
import { sleep } from './stats.ts';

export interface LockWaits {
  readonly samples: number;
  /** Share of samples in which at least one processors session waited on a lock. */
  readonly samplesWithWaitShare: number;
  /** Of the processors sessions active in a sample, the share waiting on a lock, over all samples. */
  readonly activeSessionsWaitingShare: number;
}

export function sampleLockWaits(databaseUrl: string, everyMs = 100): { stop(): Promise<LockWaits> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  let stopped = false;
  let samples = 0;
  let withWait = 0;
  let active = 0;
  let waiting = 0;
  const loop = (async () => {
    while (!stopped) {
      const { rows } = await pool.query<{ active: number; waiting: number }>(
        `select count(*) filter (where state = 'active')::int as active,
                count(*) filter (where state = 'active' and wait_event_type = 'Lock')::int as waiting
           from pg_stat_activity
          where datname = current_database() and application_name = 'carestream-processors'`,
      );
      const row = rows[0] ?? { active: 0, waiting: 0 };
      samples += 1;
      active += row.active;
      waiting += row.waiting;
      if (row.waiting > 0) withWait += 1;
      await sleep(everyMs);
    }
  })();
  let result: Promise<LockWaits> | undefined;
  const finish = async (): Promise<LockWaits> => {
    stopped = true;
    await loop.catch(() => undefined);
    await pool.end();
    return {
      samples,
      samplesWithWaitShare: samples === 0 ? 0 : Math.round((withWait / samples) * 1000) / 1000,
      activeSessionsWaitingShare: active === 0 ? 0 : Math.round((waiting / active) * 1000) / 1000,
    };
  };
  // Idempotent: the caller stops it when the run ends, and again on the way out of a failed run.
  return { stop: () => (result ??= finish()) };
}
