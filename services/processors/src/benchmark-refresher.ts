import {
  benchmarkRow,
  ResponseTimeSketch,
  type BrandAggregate,
  type SerializedResponseTimeSketch,
} from '@carestream/domain';
import type { Pool } from '@carestream/postgres';
import { logLine } from '@carestream/processor-runtime';
import { Gauge, type Registry } from 'prom-client';
import { useGeneration } from './projection-generation.ts';

const DAY_MS = 86_400_000;
/** Days recomputed on each run, back from today (UTC). */
const DAYS = 35;
const REFRESH_LOCK = 0x62656e63; // "benc"

export interface BenchmarkRefresherOptions {
  readonly pool: Pool;
  readonly registry: Registry;
  readonly intervalMs?: number;
  /** The time now (ms): the days recomputed end today; absent: the wall clock. */
  readonly clock?: () => number;
}

export interface RunningRefresher {
  /** Recomputes now; resolves with the rows published, or null when another instance was refreshing. */
  refresh(): Promise<number | null>;
  stop(): Promise<void>;
}

interface BrandDayRow {
  industry: string;
  channel: string;
  day: Date;
  brand_id: string;
  needing_response: number;
  answered: number;
  complaints: number;
  sketches: SerializedResponseTimeSketch[];
}

/**
 * The industry benchmark projection: per industry × channel ('' = all channels) × UTC day, recomputed from
 * the SLA buckets and the brands' industries. A row is published only where at least five brands contribute
 * (domain benchmarkRow); the counts of unpublished rows are kept so operators can see how close they are.
 */
export function startBenchmarkRefresher(options: BenchmarkRefresherOptions): RunningRefresher {
  const published = new Gauge({
    name: 'carestream_benchmark_rows_published',
    help: 'Industry × channel × day benchmark rows with at least five contributing brands.',
    registers: [options.registry],
  });

  async function refresh(): Promise<number | null> {
    const today = Math.floor((options.clock ?? Date.now)() / DAY_MS) * DAY_MS;
    const since = new Date(today - (DAYS - 1) * DAY_MS);
    const client = await options.pool.connect();
    try {
      await client.query('begin');
      // Every instance running the SLA processor has a refresher; one recomputation at a time is enough.
      const { rows: locked } = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_xact_lock($1) as ok',
        [REFRESH_LOCK],
      );
      if (!locked[0]?.ok) {
        await client.query('rollback');
        return null; // another instance is refreshing
      }
      await useGeneration(client, 'sla');
      const { rows } = await client.query<BrandDayRow>(
        `select p.industry, s.channel, date_trunc('day', s.hour_start at time zone 'UTC') as day, s.brand_id,
                sum(s.needing_response) as needing_response, sum(s.answered) as answered, sum(s.complaints) as complaints,
                jsonb_agg(s.response_sketch) as sketches
           from sla_buckets s join brand_profiles p on p.brand_id = s.brand_id
          where s.hour_start >= $1
          group by p.industry, s.channel, 3, s.brand_id`,
        [since.toISOString()],
      );
      const groups = new Map<
        string,
        { industry: string; channel: string; day: string; brands: Map<string, BrandAggregate> }
      >();
      const addTo = (channel: string, row: BrandDayRow, sketch: ResponseTimeSketch) => {
        const day = row.day.toISOString().slice(0, 10);
        const id = `${row.industry}\u0000${channel}\u0000${day}`;
        const group = groups.get(id) ?? {
          industry: row.industry,
          channel,
          day,
          brands: new Map<string, BrandAggregate>(),
        };
        const known = group.brands.get(row.brand_id);
        group.brands.set(row.brand_id, {
          brandId: row.brand_id,
          needingResponse: (known?.needingResponse ?? 0) + Number(row.needing_response),
          answered: (known?.answered ?? 0) + Number(row.answered),
          complaints: (known?.complaints ?? 0) + Number(row.complaints),
          responseSketch: known ? ResponseTimeSketch.merged(known.responseSketch, sketch) : sketch,
        });
        groups.set(id, group);
      };
      for (const row of rows) {
        const sketch = new ResponseTimeSketch();
        for (const json of row.sketches) sketch.merge(ResponseTimeSketch.fromJSON(json));
        addTo(row.channel, row, sketch);
        addTo('', row, sketch);
      }
      const output = [...groups.values()].map((group) => {
        const aggregates = [...group.brands.values()];
        const benchmark = benchmarkRow(aggregates);
        return {
          industry: group.industry,
          channel: group.channel,
          day: group.day,
          brands: aggregates.filter((brand) => brand.needingResponse > 0).length,
          needing_response: aggregates.reduce((sum, brand) => sum + brand.needingResponse, 0),
          answered: aggregates.reduce((sum, brand) => sum + brand.answered, 0),
          response_rate: benchmark?.responseRate ?? null,
          complaint_share: benchmark?.complaintShare ?? null,
          p50_seconds: benchmark?.p50Seconds ?? null,
          p90_seconds: benchmark?.p90Seconds ?? null,
          published: benchmark !== null,
        };
      });
      await client.query('delete from industry_benchmarks where day >= $1', [
        since.toISOString().slice(0, 10),
      ]);
      await client.query(
        `insert into industry_benchmarks select * from jsonb_populate_recordset(null::industry_benchmarks, $1::jsonb)`,
        [JSON.stringify(output)],
      );
      await client.query('commit');
      const count = output.filter((row) => row.published).length;
      published.set(count);
      return count;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = refresh()
      .catch((error: unknown) =>
        logLine({
          level: 'warn',
          component: 'benchmarks',
          message: 'refresh failed; will retry',
          error: String(error),
        }),
      )
      .finally(() => {
        running = null;
      });
  }, options.intervalMs ?? 60_000);

  return {
    refresh,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
