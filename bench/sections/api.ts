// Section 7: the query API's latency at a fixed request rate, for the questions of issue #12, brands in turn:
// GET /v1/brands/{id}/sla over the preloaded data's span (~3 days) and over 30 days, and
// GET /v1/brands/{id}/sla/timeseries?granularity=day over 90 days; with the figures cache as shipped (1 s) and
// without it (every request reads Postgres).
//
// The preloaded log spans only ~3 days. For the 30- and 90-day questions the section lays the fold's own rows
// of those days end to end (hourly, daily and daily totals rows copied with their hour shifted by whole multiples of the
// span) until they cover 90 days, in the bench's database only: every day then has as many rows and sketches
// as a day the processors folded, which is what a reader's cost depends on. The 3-day question reads the
// preloaded days as they were folded (copies start after them).
//
// BENCH_API_CPU_PROFILE_DIR=dir runs each API process with node --cpu-prof into that folder (one .cpuprofile
// per figures cache setting; read them with bench/cpu-profile.ts's summarizeProfile).
import { ResponseTimeSketch, SLA_COUNTER_COLUMNS } from '@carestream/domain';
import { activeSchema } from '@carestream/processors';
import pg from 'pg';
import { coresUsed, cpuSnapshot } from '../cpu.ts';
import { fixedRateLoad, type LoadResult } from '../http-load.ts';
import { checkpoint, type BenchDatabase } from '../isolation.ts';
import { startService } from '../services.ts';
import { log } from '../stats.ts';
import { BRANDS, WORKLOAD_START_MS } from '../workload.ts';
import { ADMIN_KEY } from './ingest.ts';

const DAY_MS = 86_400_000;
/** Days the rows are laid out over for the 30- and 90-day questions. */
const SPAN_DAYS = 90;

export interface ApiQuestion {
  /** A short name: `sla-3d`, `sla-30d`, `timeseries-day-90d`. */
  readonly question: string;
  /** The route and period asked, e.g. `/v1/brands/{brandId}/sla?from=…&to=…`. */
  readonly route: string;
  readonly days: number;
  /** Hourly rows of one brand in the period and their sketches' stored size (averaged over the brands). */
  readonly hourlyRowsPerBrand: number;
  readonly sketchBytesPerBrand: number;
  /** Issue #12's target for this question: p99 below `p99Ms` at `perSecond`. */
  readonly target: { readonly perSecond: number; readonly p99Ms: number };
}

export interface ApiRun extends ApiQuestion {
  /** API_FIGURES_CACHE_MS of the API process: the default (1 s), and 0 to measure Postgres on every request. */
  readonly figuresCacheMs: number;
  readonly points: readonly (LoadResult & { cores: Record<string, number> })[];
  /** Peak RSS of the API process over all the questions it was asked. */
  readonly peakRssMiB: number;
}

export interface ApiResult {
  /** The 3-day question's route, days and volume (kept for readers of earlier results). */
  readonly route: string;
  readonly days: number;
  readonly rowsPerRequest: number;
  readonly sketchBytesPerRequest: number;
  readonly questions: readonly ApiQuestion[];
  readonly runs: readonly ApiRun[];
}

/** The figures cache settings measured: with the default cache, then with none. */
const FIGURES_CACHE_SETTINGS_MS = [1000, 0];

interface QuestionPlan extends Omit<ApiQuestion, 'hourlyRowsPerBrand' | 'sketchBytesPerBrand'> {
  readonly path: string;
  readonly query: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly rates: readonly number[];
}

export async function measureApi(options: {
  database: BenchDatabase;
  days: number;
  rates: readonly number[];
  seconds: number;
  logDir: string;
}): Promise<ApiResult> {
  const spanEnd = WORKLOAD_START_MS + SPAN_DAYS * DAY_MS;
  const plan = (
    question: string,
    path: string,
    fromMs: number,
    days: number,
    extra: string,
    rates: readonly number[],
    target: ApiQuestion['target'],
  ): QuestionPlan => {
    const toMs = fromMs + days * DAY_MS;
    const from = new Date(fromMs).toISOString();
    const to = new Date(toMs).toISOString();
    const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${extra}`;
    return {
      question,
      path,
      query,
      fromMs,
      toMs,
      days,
      rates,
      target,
      route: `/v1/brands/{brandId}/${path}?from=${from}&to=${to}${extra}`,
    };
  };
  const plans = [
    plan('sla-3d', 'sla', WORKLOAD_START_MS, options.days, '', options.rates, { perSecond: 1000, p99Ms: 25 }),
    plan('sla-30d', 'sla', spanEnd - 30 * DAY_MS, 30, '', options.rates, { perSecond: 1000, p99Ms: 25 }),
    plan('timeseries-day-90d', 'sla/timeseries', WORKLOAD_START_MS, SPAN_DAYS, '&granularity=day', [200], {
      perSecond: 200,
      p99Ms: 50,
    }),
  ];
  const copies = await layOutRows(options.database.url, options.days, SPAN_DAYS);
  // The rows just laid out and vacuumed, written out, so that their checkpoint does not run through the rates.
  await checkpoint(options.database.url);
  log(`api: the ${options.days} folded days' rows copied ${copies} times to cover ${SPAN_DAYS} days`);
  const questions: ApiQuestion[] = [];
  for (const p of plans) {
    const volume = await readVolume(options.database.url, p.fromMs, p.toMs);
    log(
      `api: ${p.question} reads ${volume.hourlyRowsPerBrand} hourly rows of a brand, ${volume.sketchBytesPerBrand} bytes of sketches`,
    );
    const { path: _path, query: _query, fromMs: _from, toMs: _to, rates: _rates, ...question } = p;
    questions.push({ ...question, ...volume });
  }
  const runs: ApiRun[] = [];
  for (const figuresCacheMs of FIGURES_CACHE_SETTINGS_MS) {
    runs.push(...(await measureApiRuns({ ...options, plans, questions, figuresCacheMs })));
  }
  const first = questions[0]!;
  return {
    route: first.route,
    days: first.days,
    rowsPerRequest: first.hourlyRowsPerBrand,
    sketchBytesPerRequest: first.sketchBytesPerBrand,
    questions,
    runs,
  };
}

async function measureApiRuns(options: {
  database: BenchDatabase;
  seconds: number;
  logDir: string;
  plans: readonly QuestionPlan[];
  questions: readonly ApiQuestion[];
  figuresCacheMs: number;
}): Promise<ApiRun[]> {
  const api = await startService('api', {
    label: `api-cache-${options.figuresCacheMs}ms`,
    logDir: options.logDir,
    nodeFlags: process.env.BENCH_API_CPU_PROFILE_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_API_CPU_PROFILE_DIR}`]
      : [],
    env: {
      DATABASE_URL: options.database.url,
      CARESTREAM_ADMIN_KEY: ADMIN_KEY,
      // The limit is per key and the bench uses one key: lift it, the load is the point.
      API_RATE_LIMIT_PER_MINUTE: '100000000',
      API_FIGURES_CACHE_MS: String(options.figuresCacheMs),
    },
  });
  const headers = { authorization: `Bearer ${ADMIN_KEY}` };
  try {
    const measured: Omit<ApiRun, 'peakRssMiB'>[] = [];
    for (const [index, plan] of options.plans.entries()) {
      const url = (i: number) => `${api.url}/v1/brands/brand-${i % BRANDS}/${plan.path}?${plan.query}`;
      await answersOk(url(0), headers);
      const points: (LoadResult & { cores: Record<string, number> })[] = [];
      for (const rate of plan.rates) {
        const named = new Map([[api.pid, 'api']]);
        await settle(named);
        const before = await cpuSnapshot(named);
        const result = await fixedRateLoad({
          url,
          headers,
          perSecond: rate,
          seconds: options.seconds,
          warmupSeconds: 2,
        });
        const cores = coresUsed(before, await cpuSnapshot(named));
        points.push({ ...result, cores });
        log(
          `api ${plan.question} (figures cache ${options.figuresCacheMs} ms) @ ${rate} req/s: p50 ${result.p50Ms} ms, ` +
            `p99 ${result.p99Ms} ms, max ${result.maxMs} ms, ${result.errors} errors of ${result.requests}; CPU ${JSON.stringify(cores)}`,
        );
      }
      measured.push({ ...options.questions[index]!, figuresCacheMs: options.figuresCacheMs, points });
    }
    const peakRssMiB = Math.round((await api.stop()).peakRssMiB);
    return measured.map((run) => ({ ...run, peakRssMiB }));
  } finally {
    await api.stop();
  }
}

/**
 * Waits (up to a minute) until the API uses below 0.1 core over a second: after a saturated rate it still works
 * off requests the load generator abandoned (and keeps PostgreSQL busy with them), which would load the next point.
 */
async function settle(named: ReadonlyMap<number, string>): Promise<void> {
  for (let second = 0; second < 60; second += 1) {
    const before = await cpuSnapshot(named);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const cores = coresUsed(before, await cpuSnapshot(named));
    if ((cores.api ?? 0) < 0.1) return;
  }
  log('api: the API was still busy after a minute; measuring anyway');
}

/**
 * Waits until the API answers 200 (after a saturated rate it may still be working off requests the load
 * generator gave up on, and answer 503 while its pool is busy): up to a minute, then the last answer is an error.
 */
async function answersOk(url: string, headers: Record<string, string>): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    const check = await fetch(url, { headers });
    const text = await check.text();
    if (check.status === 200) return;
    if (attempt >= 60) throw new Error(`the API answered ${check.status}: ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Copies the hourly, daily and daily totals rows of the first `days` days (the folded preload) forward by `days`, 2 × `days`,
 * … until they cover `spanDays`; returns how many copies were laid. Rows the preload itself has there (replies
 * that came after the last preloaded day) are kept as they are.
 */
async function layOutRows(databaseUrl: string, days: number, spanDays: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const schema = await activeSchema(pool, 'sla');
    const start = new Date(WORKLOAD_START_MS).toISOString();
    const end = new Date(WORKLOAD_START_MS + days * DAY_MS).toISOString();
    const copies = Math.ceil(spanDays / days) - 1;
    for (const [table, time] of [
      ['sla_hourly', 'hour_start'],
      ['sla_daily', 'day_start'],
      ['sla_daily_totals', 'day_start'],
    ] as const) {
      const { rows } = await pool.query<{ column_name: string }>(
        `select column_name from information_schema.columns
          where table_schema = $1 and table_name = $2 and column_name <> $3 order by ordinal_position`,
        [schema, table, time],
      );
      const columns = rows.map((row) => row.column_name).join(', ');
      await pool.query(
        `insert into ${schema}.${table} (${time}, ${columns})
         select ${time} + make_interval(days => $3::int * k), ${columns}
           from ${schema}.${table}, generate_series(1, $4::int) as k
          where ${time} >= $1 and ${time} < $2
         on conflict do nothing`,
        [start, end, days, copies],
      );
    }
    await rebuildWeeklyTotals(pool, schema);
    // The whole database vacuumed as well as analysed: rows written a moment ago (by the processors and here)
    // have no hint bits or visibility map yet, so the first questions would set them, and autovacuum would arrive
    // in the middle of a measured rate; a database in steady state has long done both.
    await pool.query('vacuum (analyze)');
    return copies;
  } finally {
    await pool.end();
  }
}

/**
 * A week of the copies spans several of them, so its totals are summed again from the daily totals laid out:
 * counters by PostgreSQL, sketches as the compactor sums them (ResponseTimeSketch.sumEncoded of a group's
 * stored sketches, stored again with toBytes).
 */
async function rebuildWeeklyTotals(pool: pg.Pool, schema: string): Promise<void> {
  const counters = SLA_COUNTER_COLUMNS.map(([, column]) => column);
  const { rows } = await pool.query<Record<string, unknown> & { response: Buffer; business: Buffer }>(
    `select brand_id, date_trunc('week', day_start, 'UTC') as week_start, channel,
            ${counters.map((column) => `sum(${column})::bigint as ${column}`).join(', ')},
            string_agg(response_sketch, ''::bytea) as response, string_agg(business_sketch, ''::bytea) as business
       from ${schema}.sla_daily_totals group by 1, 2, 3`,
  );
  await pool.query(`delete from ${schema}.sla_weekly_totals`);
  const sketch = (bytes: Buffer) => Buffer.from(ResponseTimeSketch.sumEncoded(bytes).toBytes());
  await pool.query(
    `insert into ${schema}.sla_weekly_totals (brand_id, week_start, channel, ${counters.join(', ')}, response_sketch, business_sketch)
     select * from unnest($1::text[], $2::timestamptz[], $3::text[],
       ${counters.map((_, i) => `$${i + 4}::bigint[]`).join(', ')}, $${counters.length + 4}::bytea[], $${counters.length + 5}::bytea[])`,
    [
      rows.map((row) => row.brand_id),
      rows.map((row) => row.week_start),
      rows.map((row) => row.channel),
      ...counters.map((column) => rows.map((row) => row[column])),
      rows.map((row) => sketch(row.response)),
      rows.map((row) => sketch(row.business)),
    ],
  );
}

/** Hourly rows and sketch bytes of one brand in [fromMs, toMs) (averaged over the brands). */
async function readVolume(
  databaseUrl: string,
  fromMs: number,
  toMs: number,
): Promise<{ hourlyRowsPerBrand: number; sketchBytesPerBrand: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const schema = await activeSchema(pool, 'sla');
    const { rows } = await pool.query<{ rows: string; bytes: string }>(
      `select count(*) / count(distinct brand_id) as rows,
              sum(pg_column_size(response_sketch) + pg_column_size(business_sketch)) / count(distinct brand_id) as bytes
         from ${schema}.sla_hourly where hour_start >= $1 and hour_start < $2`,
      [new Date(fromMs).toISOString(), new Date(toMs).toISOString()],
    );
    return {
      hourlyRowsPerBrand: Number(rows[0]?.rows ?? 0),
      sketchBytesPerBrand: Number(rows[0]?.bytes ?? 0),
    };
  } finally {
    await pool.end();
  }
}
