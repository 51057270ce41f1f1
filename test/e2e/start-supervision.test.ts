// `npm start` supervises its services: on a second stack of its own (state directory and ports of this test,
// so the shared stack is never touched), the processors are killed with SIGKILL; npm start says so, starts them
// again and they become ready, while ingest keeps taking events. Then Ctrl-C stops everything npm start started.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@carestream/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secondStack, type SecondStack } from './second-stack.ts';

const START = fileURLToPath(new URL('../../scripts/start.sh', import.meta.url));
const ADMIN_KEY = 'supervision-admin-key-0123456789';

describe('npm start restarts a service that dies', () => {
  let stack: SecondStack;
  let start: ChildProcess | undefined;
  let startExit: Promise<number | null>;
  let stderr = '';
  const ports = { ingest: 0, api: 0, processors: 0 };

  const pidOf = async (name: string) =>
    Number((await readFile(join(stack.stateDir, 'pids', `${name}.pid`), 'utf8')).trim());
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const status = async (url: string, init?: RequestInit) =>
    (await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) }).catch(() => undefined))?.status;

  async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline)
        throw new Error(`${what}: not within ${timeoutMs} ms; npm start said:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    stack = await secondStack('cs-supervised-');
    ports.ingest = await freePort();
    ports.api = await freePort();
    ports.processors = await freePort();
    start = spawn('bash', [START], {
      env: {
        ...stack.env,
        INGEST_PORT: String(ports.ingest),
        API_PORT: String(ports.api),
        PROCESSORS_PORT: String(ports.processors),
        PROMETHEUS_PORT: String(await freePort()),
        CARESTREAM_ADMIN_KEY: ADMIN_KEY,
        CARESTREAM_SIMULATE: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, as in a terminal: Ctrl-C is a SIGINT to the whole group.
      detached: true,
    });
    startExit = new Promise((resolve) => start?.once('exit', (code) => resolve(code)));
    let stdout = '';
    start.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    start.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor('npm start running', () => stdout.includes('carestream is running'), 300_000);
  });

  afterAll(async () => {
    if (start?.pid && start.exitCode === null) {
      process.kill(-start.pid, 'SIGTERM');
      await startExit;
    }
    await stack?.remove();
  });

  it('starts the SIGKILLed processors again while ingest keeps answering', async () => {
    const killed = await pidOf('processors');
    process.kill(killed, 'SIGKILL');
    await waitFor(
      'the death reported',
      () => stderr.includes(`processors (pid ${killed}) was killed by SIGKILL`),
      10_000,
    );
    expect(stderr).toContain(
      `[start] processors (pid ${killed}) was killed by SIGKILL; starting it again in 1 s (its log: ${join(stack.stateDir, 'logs', 'processors.log')})`,
    );

    // Ingest answers all along: events sent while the processors are away are taken (202).
    const sent: number[] = [];
    const restartedAt = Date.now();
    let restarted = 0;
    await waitFor(
      'processors ready again',
      async () => {
        sent.push(
          (await status(`http://127.0.0.1:${ports.ingest}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
            body: JSON.stringify([
              {
                type: 'brand_profile',
                eventId: `p-${sent.length}`,
                brandId: 'acme',
                name: 'Acme',
                industry: 'retail',
                timezone: 'Europe/Paris',
                slaTargetSeconds: 3600,
                ownAccountIds: ['acme_support'],
              },
            ]),
          })) ?? 0,
        );
        restarted = await pidOf('processors').catch(() => killed);
        return restarted !== killed && (await status(`http://127.0.0.1:${ports.processors}/readyz`)) === 200;
      },
      120_000,
    );
    expect(alive(restarted)).toBe(true);
    expect(new Set(sent)).toEqual(new Set([202]));
    expect(await status(`http://127.0.0.1:${ports.api}/readyz`)).toBe(200);
    // Started again after 1 s, ready once its consumers are back in their groups, which Kafka allows when it
    // has given up on the killed ones: the session timeout (30 s) after the kill, plus start-up.
    const readyAfterMs = Date.now() - restartedAt;
    console.info(`processors ready again ${readyAfterMs} ms after the SIGKILL was reported`);
    expect(readyAfterMs).toBeLessThan(90_000);
  });

  it('stops everything it started on Ctrl-C, the stack components too', async () => {
    const services = await Promise.all(['ingest', 'processors', 'api'].map(pidOf));
    if (start?.pid) process.kill(-start.pid, 'SIGINT');
    expect(await startExit).toBe(0);
    expect(services.filter(alive)).toEqual([]);
    expect(stderr).toContain('[start] stopped');
    const after = await stack.stack('status').catch((error: { stdout?: string }) => error.stdout ?? '');
    expect(after).toMatch(/postgres +DOWN/);
    expect(after).toMatch(/kafka +DOWN/);
    expect(after).toMatch(/registry +DOWN/);
  });
});
