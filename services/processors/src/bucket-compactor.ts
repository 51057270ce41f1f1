import { logLine } from '@carestream/processor-runtime';
import { withTransaction, type Pool } from '@carestream/postgres';
import { Counter, Gauge, type Registry } from 'prom-client';
import { useGeneration } from './projection-generation.ts';
import { compactBucketDeltas } from './sla-store.ts';

/**
 * Deltas folded per transaction: each one's sketches are parsed and merged in memory, with the stored rows'
 * sketches they merge into (hourly, daily, daily and weekly totals), so this bounds what a pass holds (a catch-up
 * leaves many deltas pending). Measured, one processors instance over 1,000,000 events (`BENCH_SECTIONS=memory`):
 * peak RSS 510–520 MiB at 10,000, 487 MiB at 5,000, 462 MiB at 2,500, where the compactor fell 8 s behind the fold.
 */
const BATCH_SIZE = 5_000;

export interface BucketCompactorOptions {
  readonly pool: Pool;
  readonly registry?: Registry;
  /** How often it looks for deltas (PROCESSORS_COMPACT_INTERVAL_MS). */
  readonly intervalMs: number;
  /** A replay compacts the generation it builds; the live processors follow the active one. */
  readonly fixedSchema?: string;
}

export interface RunningCompactor {
  /** Folds what is pending now (unless another instance is at it); resolves with how many deltas it folded. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Folds the SLA batches' bucket deltas into the hourly rows (compactBucketDeltas), one compactor at a time per
 * generation across instances (a transaction-scoped advisory lock; the others skip their turn). Batches then
 * never write a row another batch writes, and the hourly rows have one writer.
 */
export function startBucketCompactor(options: BucketCompactorOptions): RunningCompactor {
  const registers = options.registry ? [options.registry] : [];
  const foldedTotal = new Counter({
    name: 'carestream_sla_bucket_deltas_folded_total',
    help: 'Hourly bucket deltas the SLA batches appended and the compactor folded into sla_hourly, sla_daily and sla_daily_totals.',
    registers,
  });
  const pending = new Gauge({
    name: 'carestream_sla_bucket_deltas_pending',
    help: 'Hourly bucket deltas waiting to be folded (an upper bound: the span of the ids left); readers count them already.',
    registers,
  });
  let stopped = false;
  let running: Promise<number> | null = null;

  async function compactOnce(): Promise<number> {
    const n = await withTransaction(options.pool, async (client) => {
      const schema = await useGeneration(client, 'sla', options.fixedSchema);
      const { rows } = await client.query<{ ok: boolean }>(
        `select pg_try_advisory_xact_lock(hashtextextended('carestream.sla.compact:' || $1, 0)) as ok`,
        [schema],
      );
      if (!rows[0]?.ok) return 0; // another instance is compacting this generation
      const folded = await compactBucketDeltas(client, BATCH_SIZE);
      if (folded < BATCH_SIZE) pending.set(0);
      else {
        // Both ends of the primary key, not a count(*) that would scan the whole backlog after every batch.
        const { rows: left } = await client.query<{ n: number | null }>(
          'select (max(id) - min(id) + 1)::int as n from sla_hourly_deltas',
        );
        pending.set(left[0]?.n ?? 0);
      }
      return folded;
    });
    foldedTotal.inc(n);
    return n;
  }

  async function flush(): Promise<number> {
    while (running) await running.catch(() => undefined);
    running = (async () => {
      let total = 0;
      for (;;) {
        const n = await compactOnce();
        total += n;
        if (n < BATCH_SIZE) return total;
      }
    })();
    try {
      return await running;
    } finally {
      running = null;
    }
  }

  const timer = setInterval(() => {
    if (stopped || running) return;
    flush().catch((error: unknown) =>
      logLine({
        level: 'warn',
        component: 'bucket-compactor',
        message: 'compaction failed; will retry',
        error: String(error),
      }),
    );
  }, options.intervalMs);

  return {
    flush,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      while (running) await running.catch(() => undefined);
    },
  };
}
