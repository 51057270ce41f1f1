// A second local stack for fault tests: its own state directory and free ports, so that stopping its Kafka
// or killing its services never touches the shared stack on the default ports that other tests use.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '@carestream/test-support';

const run = promisify(execFile);
export const STACK = fileURLToPath(new URL('../../infra/local-stack/stack.sh', import.meta.url));

export interface SecondStack {
  readonly stateDir: string;
  /** CARESTREAM_STATE_DIR and the CARESTREAM_*_PORT variables: what stack.sh and start.sh need. */
  readonly env: NodeJS.ProcessEnv;
  /** Runs `stack.sh <args>` on this stack; resolves with its standard output. */
  stack(...args: string[]): Promise<string>;
  /** Stops whatever this stack started (its pid files are in its state directory) and deletes its data. */
  remove(): Promise<void>;
}

export interface SecondStackOptions {
  /** Kafka nodes (`up --brokers N`, which the caller runs); each gets free ports of its own. Default 1. */
  readonly brokers?: number;
  /** More variables for stack.sh, e.g. the proxied listener of a network-fault test. */
  readonly env?: Readonly<Record<string, string>>;
}

export async function secondStack(prefix: string, options: SecondStackOptions = {}): Promise<SecondStack> {
  const stateDir = await mkdtemp(join(tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CARESTREAM_STATE_DIR: stateDir,
    CARESTREAM_KAFKA_PORT: String(await freePort()),
    CARESTREAM_KAFKA_CONTROLLER_PORT: String(await freePort()),
    CARESTREAM_KAFKA_SASL_PORT: String(await freePort()),
    CARESTREAM_REGISTRY_PORT: String(await freePort()),
    CARESTREAM_REGISTRY_AUTH_PORT: String(await freePort()),
    CARESTREAM_PG_PORT: String(await freePort()),
    ...options.env,
  };
  for (let node = 2; node <= (options.brokers ?? 1); node += 1) {
    env[`CARESTREAM_KAFKA_PORT_${node}`] = String(await freePort());
    env[`CARESTREAM_KAFKA_CONTROLLER_PORT_${node}`] = String(await freePort());
    env[`CARESTREAM_KAFKA_SASL_PORT_${node}`] = String(await freePort());
  }
  const stack = async (...args: string[]) =>
    (await run('bash', [STACK, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 })).stdout;
  return {
    stateDir,
    env,
    stack,
    remove: async () => {
      await stack('down').catch(() => undefined);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
