// carestream's services as child processes (`node --import tsx services/…/src/main.ts`), so that each one's
// memory and CPU are its own: peak RSS is the kernel's high-water mark (VmHWM in /proc/<pid>/status).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { sleep } from './stats.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

export type ServiceName = 'ingest' | 'processors' | 'api';

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Peak resident set so far (MiB), sampled every second and read once more before stopping. */
  peakRssMiB(): number;
  /** Resident set samples (MiB), one a second. */
  readonly rssSamples: number[];
  stop(): Promise<{ peakRssMiB: number }>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

const PORT_VARIABLE: Record<ServiceName, string> = {
  ingest: 'INGEST_PORT',
  processors: 'PROCESSORS_PORT',
  api: 'API_PORT',
};

export interface StartOptions {
  readonly label: string;
  readonly env: Record<string, string>;
  readonly logDir: string;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags?: readonly string[];
  /** A script of the bench's own instead of the service's main.ts. */
  readonly script?: string;
}

export async function startService(service: ServiceName, options: StartOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const script = options.script ?? path.join(ROOT, 'services', service, 'src', 'main.ts');
  const logFile = path.join(options.logDir, `${options.label}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', script], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      ...options.env,
      [PORT_VARIABLE[service]]: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.label} did not start`);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  let peak = 0;
  const rssSamples: number[] = [];
  const sample = async () => {
    const status = await readStatus(pid);
    if (!status) return;
    peak = Math.max(peak, status.hwmMiB);
    rssSamples.push(status.rssMiB);
  };
  const timer = setInterval(() => void sample(), 1_000);

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited) throw new Error(`${options.label} exited during start-up; see ${logFile}`);
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${options.label} did not answer /healthz; see ${logFile}`);
    await sleep(100);
  }

  return {
    name: options.label,
    pid,
    port,
    url,
    rssSamples,
    peakRssMiB: () => peak,
    stop: async () => {
      await sample();
      clearInterval(timer);
      await stopChild(child);
      out.end();
      return { peakRssMiB: peak };
    },
  };
}

/** A bench script as a child (e.g. the replay), for its own peak RSS; resolves with its last JSON line. */
export async function runScript(
  script: string,
  options: { label: string; env: Record<string, string>; logDir: string },
): Promise<{ result: unknown; peakRssMiB: number }> {
  const logFile = path.join(options.logDir, `${options.label}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    out.write(chunk);
  });
  child.stderr?.pipe(out);
  let peak = 0;
  const pid = child.pid;
  const timer = setInterval(() => {
    if (pid !== undefined)
      void readStatus(pid).then((status) => {
        if (status) peak = Math.max(peak, status.hwmMiB);
      });
  }, 500);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(timer);
  out.end();
  if (code !== 0) throw new Error(`${options.label} exited with ${code}; see ${logFile}`);
  const last = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((line) => line.startsWith('{'));
  // The child reports its own high-water mark just before exiting (it is gone when we could read it).
  const result = last ? (JSON.parse(last) as { peakRssMiB?: number }) : {};
  return { result, peakRssMiB: Math.round(Math.max(peak, result.peakRssMiB ?? 0)) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timeout = sleep(30_000).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timeout])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

export async function readStatus(pid: number): Promise<{ rssMiB: number; hwmMiB: number } | undefined> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
}
