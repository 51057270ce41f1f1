// The machine and the versions a run measured, for the report: numbers mean little without them.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface MachineDescription {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly java: string;
  readonly kafka: string;
  readonly postgres: string;
  readonly registry: string;
  readonly loadAverageAtStart: readonly number[];
}

export async function describeMachine(databaseUrl: string): Promise<MachineDescription> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const java = await run('java', ['-version'])
    .then(({ stderr }) => stderr.split('\n')[0]?.trim() ?? 'unknown')
    .catch(() => 'unknown');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const postgres = await client
    .query<{ server_version: string }>('show server_version')
    .then(({ rows }) => rows[0]?.server_version ?? 'unknown')
    .finally(() => client.end());
  const stack = await readFile(new URL('../infra/local-stack/stack.sh', import.meta.url), 'utf8');
  return {
    cpuModel,
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    java,
    kafka: /^KAFKA_VERSION="([^"]+)"/m.exec(stack)?.[1] ?? 'unknown',
    postgres: `PostgreSQL ${postgres}`,
    registry: `Apicurio Registry ${/^APICURIO_VERSION="([^"]+)"/m.exec(stack)?.[1] ?? 'unknown'}`,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}
