// Section 7: the query API's latency at a fixed request rate, GET /v1/brands/{id}/sla over the preloaded
// data's whole span (every hourly bucket of a brand, plus the period before it), brands in turn; with the
// figures cache as shipped (1 s) and without it (every request reads Postgres).
import { activeSchema } from '@carestream/processors';
import pg from 'pg';
import { coresUsed, cpuSnapshot } from '../cpu.ts';
import { fixedRateLoad, type LoadResult } from '../http-load.ts';
import type { BenchDatabase } from '../isolation.ts';
import { startService } from '../services.ts';
import { log } from '../stats.ts';
import { BRANDS, WORKLOAD_START_MS } from '../workload.ts';
import { ADMIN_KEY } from './ingest.ts';

export interface ApiRun {
  /** API_FIGURES_CACHE_MS of the API process: the default (1 s), and 0 to measure Postgres on every request. */
  readonly figuresCacheMs: number;
  readonly points: readonly (LoadResult & { cores: Record<string, number> })[];
  readonly peakRssMiB: number;
}

export interface ApiResult {
  readonly route: string;
  readonly days: number;
  /** What one request reads: hourly rows of one brand in the period, and their sketches' stored size. */
  readonly rowsPerRequest: number;
  readonly sketchBytesPerRequest: number;
  readonly runs: readonly ApiRun[];
}

/** The figures cache settings measured: with the default cache, then with none. */
const FIGURES_CACHE_SETTINGS_MS = [1000, 0];

export async function measureApi(options: {
  database: BenchDatabase;
  days: number;
  rates: readonly number[];
  seconds: number;
  logDir: string;
}): Promise<ApiResult> {
  const from = new Date(WORKLOAD_START_MS).toISOString();
  const to = new Date(WORKLOAD_START_MS + options.days * 86_400_000).toISOString();
  const { rowsPerRequest, sketchBytesPerRequest } = await readVolume(options.database.url, from, to);
  log(`api: one request reads ${rowsPerRequest} hourly rows, ${sketchBytesPerRequest} bytes of sketches`);
  const runs: ApiRun[] = [];
  for (const figuresCacheMs of FIGURES_CACHE_SETTINGS_MS) {
    runs.push(await measureApiRun({ ...options, from, to, figuresCacheMs }));
  }
  return {
    route: `/v1/brands/{brandId}/sla?from=${from}&to=${to}`,
    days: options.days,
    rowsPerRequest,
    sketchBytesPerRequest,
    runs,
  };
}

async function measureApiRun(options: {
  database: BenchDatabase;
  rates: readonly number[];
  seconds: number;
  logDir: string;
  from: string;
  to: string;
  figuresCacheMs: number;
}): Promise<ApiRun> {
  const api = await startService('api', {
    label: `api-cache-${options.figuresCacheMs}ms`,
    logDir: options.logDir,
    env: {
      DATABASE_URL: options.database.url,
      CARESTREAM_ADMIN_KEY: ADMIN_KEY,
      // The limit is per key and the bench uses one key: lift it, the load is the point.
      API_RATE_LIMIT_PER_MINUTE: '100000000',
      API_FIGURES_CACHE_MS: String(options.figuresCacheMs),
    },
  });
  try {
    const period = `from=${encodeURIComponent(options.from)}&to=${encodeURIComponent(options.to)}`;
    const url = (i: number) => `${api.url}/v1/brands/brand-${i % BRANDS}/sla?${period}`;
    const check = await fetch(url(0), { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    if (check.status !== 200) throw new Error(`the API answered ${check.status}: ${await check.text()}`);
    const points: (LoadResult & { cores: Record<string, number> })[] = [];
    for (const rate of options.rates) {
      const named = new Map([[api.pid, 'api']]);
      const before = await cpuSnapshot(named);
      const result = await fixedRateLoad({
        url,
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
        perSecond: rate,
        seconds: options.seconds,
        warmupSeconds: 2,
      });
      const cores = coresUsed(before, await cpuSnapshot(named));
      points.push({ ...result, cores });
      log(
        `api (figures cache ${options.figuresCacheMs} ms) @ ${rate} req/s: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
          `max ${result.maxMs} ms, ${result.errors} errors of ${result.requests}; CPU ${JSON.stringify(cores)}`,
      );
    }
    return {
      figuresCacheMs: options.figuresCacheMs,
      points,
      peakRssMiB: Math.round((await api.stop()).peakRssMiB),
    };
  } finally {
    await api.stop();
  }
}

/** Rows and sketch bytes behind one brand's figures over the period (averaged over the brands). */
async function readVolume(
  databaseUrl: string,
  from: string,
  to: string,
): Promise<{ rowsPerRequest: number; sketchBytesPerRequest: number }> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const schema = await activeSchema(pool, 'sla');
    const { rows } = await pool.query<{ rows: string; bytes: string }>(
      `select count(*) / count(distinct brand_id) as rows,
              sum(pg_column_size(response_sketch) + pg_column_size(business_sketch)) / count(distinct brand_id) as bytes
         from ${schema}.sla_hourly where hour_start >= $1 and hour_start < $2`,
      [from, to],
    );
    return { rowsPerRequest: Number(rows[0]?.rows ?? 0), sketchBytesPerRequest: Number(rows[0]?.bytes ?? 0) };
  } finally {
    await pool.end();
  }
}
