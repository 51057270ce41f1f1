import {
  benchmarkRow,
  countedDaysByChannel,
  groupBenchmarkDays,
  ResponseTimeSketch,
  type BrandAggregate,
} from '@carestream/domain';
import { summedSketches, type Pool } from '@carestream/postgres';
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

export interface BrandDayRow {
  industry: string;
  channel: string;
  day: Date;
  brand_id: string;
  needing_response: number;
  answered: number;
  complaints: number;
  /** The rows' stored response-time sketches one after the other (summedSketches: empty for none). */
  sketches: Uint8Array;
}

/** A row of industry_benchmarks (its columns). */
export interface IndustryBenchmarkRow {
  readonly industry: string;
  readonly channel: string;
  readonly day: string;
  readonly brands: number;
  readonly needing_response: number;
  readonly answered: number;
  readonly response_rate: number | null;
  readonly complaint_share: number | null;
  readonly p50_seconds: number | null;
  readonly p90_seconds: number | null;
  readonly published: boolean;
}

/** The rows of industry_benchmarks for brands' day figures: every industry × channel ('' = all) × day. */
export function industryBenchmarkRows(rows: readonly BrandDayRow[]): IndustryBenchmarkRow[] {
  const grouped = groupBenchmarkDays(
    rows.map((row) => {
      const responseSketch = ResponseTimeSketch.sumEncoded(row.sketches);
      const brand: BrandAggregate = {
        brandId: row.brand_id,
        needingResponse: Number(row.needing_response),
        answered: Number(row.answered),
        complaints: Number(row.complaints),
        responseSketch,
      };
      return { industry: row.industry, channel: row.channel, dayMs: row.day.getTime(), brand };
    }),
  );
  return [...grouped].flatMap(([industry, byChannel]) => {
    // What BI reads has no caller: every brand is one it cannot read.
    const counted = countedDaysByChannel(byChannel, () => false);
    return [...byChannel].flatMap(([channel, days]) => {
      const published = new Set((counted.get(channel) ?? []).map((day) => day.dayMs));
      return days.map(({ dayMs, brands: aggregates }) => {
        const benchmark = published.has(dayMs) ? benchmarkRow(aggregates) : null;
        return {
          industry,
          channel,
          day: new Date(dayMs).toISOString().slice(0, 10),
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
    });
  });
}

/**
 * The industry benchmark projection: per industry × channel ('' = all channels) × UTC day, recomputed from
 * the SLA buckets and the brands' industries, grouped by the domain's groupBenchmarkDays (the API's benchmarks
 * group the same way). The table is what BI reads (bi_industry_benchmarks); the API cannot: what a caller sees
 * depends on the brands its key can read (domain benchmarkDays). A row is published only where at least five
 * brands contribute (domain benchmarkRow); the counts of unpublished rows are kept so operators can see how close
 * they are.
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
        `select p.industry, s.channel, date_trunc('day', s.hour_start, 'UTC') as day, s.brand_id,
                sum(s.needing_response) as needing_response, sum(s.answered) as answered, sum(s.complaints) as complaints,
                ${summedSketches('s.response_sketch')} as sketches
           from sla_buckets s join brand_profiles p on p.brand_id = s.brand_id
          where s.hour_start >= $1
          group by p.industry, s.channel, 3, s.brand_id`,
        [since.toISOString()],
      );
      const output = industryBenchmarkRows(rows);
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
