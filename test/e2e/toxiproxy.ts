// A toxiproxy server of a test's own (built by infra/local-stack/toxiproxy.sh), driven through its HTTP API:
// proxies between a service and a dependency, latency added to them, connections cut and let through again.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@carestream/test-support';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../infra/local-stack/toxiproxy.sh', import.meta.url));

export interface Toxiproxy {
  /** A proxy listening on 127.0.0.1:`listenPort` that forwards to 127.0.0.1:`upstreamPort`. */
  proxy(name: string, listenPort: number, upstreamPort: number): Promise<void>;
  /** Every answer through the proxy `latencyMs` late (both directions: requests and answers). */
  addLatency(name: string, latencyMs: number): Promise<void>;
  removeLatency(name: string): Promise<void>;
  /** Cut: open connections are closed and new ones refused, until `restore`. */
  cut(name: string): Promise<void>;
  restore(name: string): Promise<void>;
  stop(): void;
}

export async function startToxiproxy(): Promise<Toxiproxy> {
  // The first run on a machine builds it (a minute or two).
  const { stdout } = await run('bash', [SCRIPT, 'path'], { timeout: 600_000 });
  const apiPort = await freePort();
  const server: ChildProcess = spawn(stdout.trim(), ['-host', '127.0.0.1', '-port', String(apiPort)], {
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${apiPort}`;
  const call = async (method: string, path: string, body?: unknown): Promise<void> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`toxiproxy ${method} ${path}: ${response.status} ${await response.text()}`);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answered = await fetch(`${base}/version`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline) {
      server.kill('SIGKILL');
      throw new Error('toxiproxy did not answer within 30 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const directions = ['upstream', 'downstream'] as const;
  return {
    proxy: (name, listenPort, upstreamPort) =>
      call('POST', '/proxies', {
        name,
        listen: `127.0.0.1:${listenPort}`,
        upstream: `127.0.0.1:${upstreamPort}`,
        enabled: true,
      }),
    addLatency: async (name, latencyMs) => {
      // Half each way: a round trip takes latencyMs longer.
      for (const stream of directions)
        await call('POST', `/proxies/${name}/toxics`, {
          name: `latency-${stream}`,
          type: 'latency',
          stream,
          attributes: { latency: latencyMs / 2 },
        });
    },
    removeLatency: async (name) => {
      for (const stream of directions) await call('DELETE', `/proxies/${name}/toxics/latency-${stream}`);
    },
    cut: (name) => call('POST', `/proxies/${name}`, { enabled: false }),
    restore: (name) => call('POST', `/proxies/${name}`, { enabled: true }),
    stop: () => {
      server.kill('SIGKILL');
    },
  };
}
