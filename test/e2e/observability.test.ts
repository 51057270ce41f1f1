// Runs ingest, processors and the query API in-process while events flow, scrapes them with a real Prometheus
// (Debian's /usr/bin/prometheus, or PROMETHEUS_BIN) loading infra/prometheus/rules, and runs every panel query
// of every dashboard in infra/grafana/dashboards through Prometheus' HTTP API: each must succeed with data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadApiConfig, startApi, type ApiRuntime } from '@carestream/api';
import { generateScenario, toIngestItem } from '@carestream/simulator';
import { freePort } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ADMIN_KEY, sendEvents, startPipeline, waitForCatchUp, type Pipeline } from './pipeline-harness.ts';

const HOUR = 3_600_000;
const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const RULES_FILE = root('infra/prometheus/rules/carestream.rules.yml');
const DASHBOARDS_DIR = root('infra/grafana/dashboards');

/** What Grafana substitutes for its built-in variables, at the scale of this test's one-second scrapes. */
const BUILTIN_VARIABLES: Record<string, string> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
}
interface DashboardPanel {
  readonly type: string;
  readonly title: string;
  readonly targets?: DashboardTarget[];
  readonly panels?: DashboardPanel[];
}
interface DashboardVariable {
  readonly name: string;
  readonly type: string;
  readonly definition?: string;
  readonly query?: string | { query: string };
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: DashboardPanel[];
  readonly templating: { list: DashboardVariable[] };
}

const dashboards = readdirSync(DASHBOARDS_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({
    file,
    dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard,
  }));

const alertNames = (
  parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: { alert?: string; record?: string }[] }[] }
).groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule.alert] : [])));

function panelsOf(panels: readonly DashboardPanel[]): DashboardPanel[] {
  return panels.flatMap((panel) => [panel, ...panelsOf(panel.panels ?? [])]);
}

const hostPort = (url: string) => new URL(url).host;

interface PromResponse<T> {
  status: 'success' | 'error';
  data: T;
  errorType?: string;
  error?: string;
}
interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

describe('Prometheus and the Grafana dashboards against the running services', () => {
  let pipeline: Pipeline;
  let api: ApiRuntime;
  let prometheus: ChildProcess | undefined;
  let prometheusLog = '';
  let prometheusUrl = '';
  let workDir = '';
  const targets: Record<string, string> = {};

  async function promGet<T>(
    path: string,
    params: Record<string, string | string[]> = {},
  ): Promise<PromResponse<T>> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      for (const item of Array.isArray(value) ? value : [value]) query.append(name, item);
    }
    const response = await fetch(`${prometheusUrl}${path}?${query.toString()}`);
    return (await response.json()) as PromResponse<T>;
  }

  async function instant(
    expr: string,
  ): Promise<PromResponse<{ resultType: string; result: VectorSample[] }>> {
    return promGet('/api/v1/query', { query: expr });
  }

  async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (prometheus && prometheus.exitCode !== null) throw new Error(`prometheus exited:\n${prometheusLog}`);
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\n${prometheusLog.slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Resolves once Prometheus has scraped every target `count` more times (scrape interval 1s). */
  async function scrapes(count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      const since = Date.now() / 1000;
      await until('a scrape of every target', async () => {
        // timestamp() of a plain selector is the sample's scrape time (of an expression, the evaluation time).
        const scraped = await instant('timestamp(up{job="carestream"})');
        return (
          scraped.status === 'success' &&
          scraped.data.result.length === 3 &&
          scraped.data.result.every((sample) => Number(sample.value[1]) > since)
        );
      });
    }
  }

  beforeAll(async () => {
    pipeline = await startPipeline({ partitions: 3, horizonHours: 1 });
    const processors = pipeline.processors;
    if (!processors) throw new Error('the pipeline started without processors');
    targets.ingest = hostPort(pipeline.ingestUrl);
    targets.processors = hostPort(await processors.app.listen({ port: 0, host: '127.0.0.1' }));
    api = await startApi(
      loadApiConfig({ DATABASE_URL: pipeline.database.url, API_PORT: '0', CARESTREAM_ADMIN_KEY: ADMIN_KEY }),
    );
    targets.api = hostPort(await api.app.listen({ port: 0, host: '127.0.0.1' }));

    workDir = await mkdtemp(join(tmpdir(), 'carestream-prometheus-'));
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [RULES_FILE],
      scrape_configs: [
        {
          job_name: 'carestream',
          static_configs: Object.entries(targets).map(([service, address]) => ({
            targets: [address],
            labels: { service },
          })),
        },
      ],
    };
    await writeFile(join(workDir, 'prometheus.yml'), JSON.stringify(config));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(workDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const capture = (chunk: Buffer) => {
      prometheusLog = (prometheusLog + chunk.toString()).slice(-20_000);
    };
    prometheus.once('error', (error) =>
      capture(Buffer.from(`cannot run ${PROMETHEUS_BIN}: ${String(error)}\n`)),
    );
    prometheus.stdout?.on('data', capture);
    prometheus.stderr?.on('data', capture);
    await until('prometheus to be ready', async () => {
      try {
        return (await fetch(`${prometheusUrl}/-/ready`)).ok;
      } catch {
        return false;
      }
    });

    // Prometheus' first scrapes come a few seconds after start (target discovery is throttled): wait for every
    // target before events flow, so counters have samples from before and after.
    await until('a first scrape of every target', async () => {
      const up = await instant('up{job="carestream"} == 1');
      return up.status === 'success' && up.data.result.length === 3;
    });

    // Events flow while Prometheus scrapes: profiles, then a scenario whose events end about now.
    const scenario = generateScenario({
      seed: 20261127,
      conversations: 300,
      brands: 6,
      startMs: Date.now() - 8 * HOUR,
      spanMs: 6 * HOUR,
      horizonMs: HOUR,
      duplicateRate: 0.03,
      reorderRate: 0.05,
    });
    await sendEvents(pipeline, scenario.profiles.map(toIngestItem));
    await waitForCatchUp(pipeline);
    await scrapes(2);
    // In chunks, each scraped before the next: a labelled counter is born at its first increment, and a series'
    // first sample counts as its start, so increments must come after the series exists for rates to see them.
    const items = scenario.events.map(toIngestItem);
    const chunk = Math.ceil(items.length / 4);
    for (let start = 0; start < items.length; start += chunk) {
      await sendEvents(pipeline, items.slice(start, start + chunk), 200);
      await waitForCatchUp(pipeline);
      await scrapes(2);
    }

    // The API's benchmark routes (a cache miss, then hits) and an SLA route, twice for the same reason.
    for (let round = 0; round < 2; round += 1) {
      for (const path of [
        '/v1/benchmarks/industries',
        '/v1/benchmarks/industries',
        '/v1/benchmarks/industries/retail',
        '/v1/brands/brand-0/benchmark',
        '/v1/brands/brand-0/sla?window=30d',
      ]) {
        const response = await fetch(`http://${targets.api}${path}`, {
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        });
        expect(response.status, `${path}: ${await response.text()}`).toBe(200);
      }
      await scrapes(2);
    }
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      prometheus.kill('SIGTERM');
      const timer = setTimeout(() => prometheus?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (workDir) await rm(workDir, { recursive: true, force: true });
    await api?.close();
    await pipeline?.close();
  });

  it('scrapes ingest, processors and the API', async () => {
    const up = await instant('up{job="carestream"}');
    expect(up.status).toBe('success');
    const byService = Object.fromEntries(up.data.result.map((s) => [s.metric.service, s.value[1]]));
    expect(byService).toEqual({ ingest: '1', processors: '1', api: '1' });
  });

  it('loaded every alert rule, and the rules evaluate without errors', async () => {
    expect(alertNames).toEqual(
      expect.arrayContaining([
        'CarestreamInstanceDown',
        'CarestreamConsumerLagHigh',
        'CarestreamIngestErrorRateHigh',
        'CarestreamFreshnessP99High',
        'CarestreamDeadLettersGrowing',
        'CarestreamSlaBreachRateHigh',
      ]),
    );
    const rules = await promGet<{
      groups: { name: string; rules: { name: string; type: string; health: string; lastError?: string }[] }[];
    }>('/api/v1/rules');
    expect(rules.status).toBe('success');
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(loaded.filter((rule) => rule.type === 'alerting').map((rule) => rule.name)).toEqual(
      expect.arrayContaining(alertNames),
    );
    await until('every rule to be evaluated', async () => {
      const again = await promGet<{ groups: { rules: { health: string }[] }[] }>('/api/v1/rules');
      return again.data.groups.every((group) => group.rules.every((rule) => rule.health !== 'unknown'));
    });
    const unhealthy = (
      await promGet<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>(
        '/api/v1/rules',
      )
    ).data.groups
      .flatMap((group) => group.rules)
      .filter((rule) => rule.health !== 'ok');
    expect(unhealthy).toEqual([]);
  });

  it('has the three dashboards, on the provisioned datasource', () => {
    expect(dashboards.map(({ dashboard }) => dashboard.title).sort()).toEqual([
      'Industry benchmarks',
      'Pipeline health',
      'Social care SLA',
    ]);
    for (const { file, dashboard } of dashboards) {
      for (const panel of panelsOf(dashboard.panels)) {
        if (!panel.targets) continue;
        expect(JSON.stringify(panel), `${file}: ${panel.title}`).not.toMatch(/"uid":"(?!prometheus")/);
      }
    }
  });

  describe.each(dashboards)('dashboard $file', ({ file, dashboard }) => {
    it('answers every panel query with data, its variables substituted', async () => {
      const values: Record<string, string> = { ...BUILTIN_VARIABLES };
      for (const variable of dashboard.templating.list) {
        expect(variable.type, `${file}: variable ${variable.name}`).toBe('query');
        const definition =
          typeof variable.query === 'string'
            ? variable.query
            : (variable.query?.query ?? variable.definition);
        const match = /^label_values\((.+),\s*(\w+)\)$/.exec(definition ?? '');
        expect(match, `${file}: variable ${variable.name} is ${definition}`).not.toBeNull();
        const [, selector = '', label = ''] = match ?? [];
        const answer = await promGet<string[]>(`/api/v1/label/${label}/values`, { 'match[]': selector });
        expect(answer.status, `${file}: variable ${variable.name}`).toBe('success');
        expect(answer.data.length, `${file}: variable ${variable.name} has no values`).toBeGreaterThan(0);
        // Prefer the SLA processor: it has every processor metric, freshness included.
        values[variable.name] = answer.data.includes('sla') ? 'sla' : (answer.data[0] ?? '');
      }

      const failures: string[] = [];
      let queries = 0;
      let panels = 0;
      for (const panel of panelsOf(dashboard.panels)) {
        if (!panel.targets || panel.targets.length === 0) continue;
        panels += 1;
        for (const target of panel.targets) {
          const expr = target.expr.replace(
            /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g,
            (whole, braced: string | undefined, bare: string | undefined) =>
              values[braced ?? bare ?? ''] ?? whole,
          );
          const where = `${panel.title} [${target.refId}] ${expr}`;
          queries += 1;
          if (expr.includes('$')) {
            failures.push(`${where}: unsubstituted variable`);
            continue;
          }
          const answer = await instant(expr);
          if (answer.status !== 'success') failures.push(`${where}: ${answer.errorType}: ${answer.error}`);
          else if (answer.data.result.length === 0) failures.push(`${where}: no data`);
        }
      }
      console.log(`${file}: ${panels} panels, ${queries} queries checked`);
      expect(failures).toEqual([]);
      expect(queries).toBeGreaterThan(0);
    });
  });
});
