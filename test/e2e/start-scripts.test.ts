// Runs `npm start`'s script and the local stack's for real, against a second stack of their own that cannot
// start: a fresh state directory (0700, as mktemp -d makes it) and free ports, PostgreSQL's held by a listener
// here. The shared stack on the default ports is never touched. Then the Prometheus `npm start` runs, on the
// ports a run's services are given.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const STACK = root('infra/local-stack/stack.sh');
const START = root('scripts/start.sh');
const LOCAL_PROMETHEUS_CONFIG = root('infra/prometheus/local-config.sh');

interface Finished {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a script to its end (never rejects): exit code and output. */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  return new Promise((resolve) => {
    execFile('bash', [script, ...args], { env, timeout: 100_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm start and `stack up` stop at the first component that fails', () => {
  let stateDir: string;
  let blocker: Server; // holds the second stack's PostgreSQL port: PostgreSQL cannot start
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'cs-broken-stack-'));
    blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const pgPort = typeof address === 'object' && address ? address.port : 0;
    env = {
      ...process.env,
      CARESTREAM_STATE_DIR: stateDir,
      CARESTREAM_PG_PORT: String(pgPort),
      CARESTREAM_KAFKA_PORT: String(await freePort()),
      CARESTREAM_KAFKA_CONTROLLER_PORT: String(await freePort()),
      CARESTREAM_REGISTRY_PORT: String(await freePort()),
      INGEST_PORT: String(await freePort()),
      API_PORT: String(await freePort()),
      PROCESSORS_PORT: String(await freePort()),
      PROMETHEUS_PORT: String(await freePort()),
    };
  });

  afterAll(async () => {
    // Stops whatever this second stack may have started (its pid files and data are in stateDir), nothing else.
    if (env) await runScript(STACK, ['down'], env);
    await new Promise((resolve) => blocker?.close(resolve));
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  const postgresLog = () => join(stateDir, 'logs', 'postgres.log');

  it('stack up: initialises PostgreSQL in a 0700 state directory, then stops with its error and log', async () => {
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    const up = await runScript(STACK, ['up'], env);
    expect(up.code).toBe(1);
    expect(up.stdout).toBe(''); // no export lines: nothing to point services at
    // initdb ran as the postgres user in the state directory closed to others, and succeeded.
    expect(existsSync(join(stateDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(up.stderr).toContain(
      `[stack] error: PostgreSQL did not start; its log, ${postgresLog()}, ends with:`,
    );
    expect(up.stderr).toMatch(/could not bind IPv4 address "127\.0\.0\.1": Address already in use/);
    // It stopped there: Kafka and the registry were not started.
    expect(up.stderr).not.toMatch(/starting Kafka|starting Apicurio/);
    expect(existsSync(join(stateDir, 'pids', 'kafka.pid'))).toBe(false);
    // What the CLI falls back to is this stack's addresses, as `env` prints them.
    const printed = await runScript(STACK, ['env'], env);
    const recorded = JSON.parse(await readFile(join(stateDir, 'endpoints.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(
      Object.entries(recorded)
        .map(([name, value]) => `export ${name}=${value}\n`)
        .join(''),
    ).toBe(printed.stdout);
  });

  it('npm start: stops with the stack, says why, and starts no service', async () => {
    const start = await runScript(START, [], env);
    expect(start.code).not.toBe(0);
    expect(start.stderr).toContain(`[stack] error: PostgreSQL did not start; its log, ${postgresLog()}`);
    expect(start.stderr).toContain('[start] error: the local stack did not start (its error is above)');
    expect(start.stderr).not.toContain('starting ingest');
    expect(existsSync(join(stateDir, 'logs', 'ingest.log'))).toBe(false);
  });
});

describe("the Prometheus npm start runs scrapes the services' ports", () => {
  let workDir: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'cs-local-prometheus-'));
  });
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('has targets on INGEST_PORT, API_PORT and PROCESSORS_PORT, and the rules', async () => {
    const ports = { INGEST_PORT: '18080', API_PORT: '18081', PROCESSORS_PORT: '19464' };
    const configDir = join(workDir, 'config');
    const written = await runScript(LOCAL_PROMETHEUS_CONFIG, [configDir], { ...process.env, ...ports });
    expect(written).toMatchObject({ code: 0, stderr: '' });

    // The real Prometheus, on that config: what it discovers is what it would scrape.
    const port = await freePort();
    const prometheus = execFile('prometheus', [
      `--config.file=${join(configDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]);
    try {
      const deadline = Date.now() + 60_000;
      let discovered: { scrapeUrl: string; labels: { service: string } }[] = [];
      let rules = 0;
      while (Date.now() < deadline && (discovered.length < 3 || rules === 0)) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        try {
          const targets = (await (await fetch(`http://127.0.0.1:${port}/api/v1/targets`)).json()) as {
            data: { activeTargets: { scrapeUrl: string; labels: { service: string } }[] };
          };
          discovered = targets.data.activeTargets;
          const loaded = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()) as {
            data: { groups: unknown[] };
          };
          rules = loaded.data.groups.length;
        } catch {
          // not listening yet
        }
      }
      expect(
        Object.fromEntries(discovered.map((target) => [target.labels.service, target.scrapeUrl])),
      ).toEqual({
        ingest: 'http://127.0.0.1:18080/metrics',
        api: 'http://127.0.0.1:18081/metrics',
        processors: 'http://127.0.0.1:19464/metrics',
      });
      expect(rules).toBeGreaterThan(0);
    } finally {
      prometheus.kill();
    }
  });
});
