// What the CLI falls back to when its environment does not say where the services are: the local stack that
// `npm start` and `npm run stack -- up` run, as they left it in its state directory. infra/local-stack/stack.sh
// alone defines that directory and the stack's addresses (it records them in endpoints.json on `up`);
// scripts/start.sh keeps its admin key there (admin-key). An explicit variable or option always wins.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CareError } from '@carestream/errors';

const run = promisify(execFile);
const STACK_SCRIPT = fileURLToPath(new URL('../../../infra/local-stack/stack.sh', import.meta.url));

export const SERVICE_VARIABLES = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'DATABASE_URL'] as const;
export type ServiceVariable = (typeof SERVICE_VARIABLES)[number];

/** The variables that may hold an API key for ingest, in the order a command prefers them. */
export type ApiKeyVariable = 'CARESTREAM_API_KEY' | 'CARESTREAM_ADMIN_KEY';

/** The local stack's state directory: CARESTREAM_STATE_DIR, else the default stack.sh works out. */
export async function stackStateDir(env: NodeJS.ProcessEnv): Promise<string> {
  // stack.sh would print the variable as it is; reading it here spares a shell.
  if (env.CARESTREAM_STATE_DIR) return env.CARESTREAM_STATE_DIR;
  try {
    const { stdout } = await run('bash', [STACK_SCRIPT, 'state-dir'], { env });
    return stdout.trim();
  } catch (error) {
    throw new CareError(
      'CARE_ERR_CONFIG',
      `cannot ask ${STACK_SCRIPT} where the local stack's state directory is (${(error as Error).message.trim()}); set CARESTREAM_STATE_DIR`,
      { field: 'CARESTREAM_STATE_DIR', cause: error },
    );
  }
}

/**
 * env with the `needed` service addresses it leaves unset taken from the local stack's endpoints.json; the
 * error, when there is none, names the variables and the file it looked for.
 */
export async function withStackServices<Name extends ServiceVariable>(
  env: NodeJS.ProcessEnv,
  needed: readonly Name[],
): Promise<NodeJS.ProcessEnv & Record<Name, string>> {
  const missing = needed.filter((name) => !env[name]);
  const given = env as NodeJS.ProcessEnv & Record<Name, string>;
  const [firstMissing] = missing;
  if (firstMissing === undefined) return given;
  const unset = `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} unset`;
  const file = join(await stackStateDir(env), 'endpoints.json');
  const read = await readStateFile(file);
  const endpoints = 'text' in read ? jsonObject(read.text) : undefined;
  if (!endpoints) {
    throw new CareError(
      'CARE_ERR_CONFIG',
      `${unset}, and the local stack's address file ${file} ${'why' in read ? read.why : 'is not a JSON object'}: ` +
        `set ${missing.join(', ')}, or start the local stack (\`npm start\` or \`npm run stack -- up\` writes ` +
        'that file; CARESTREAM_STATE_DIR says where)',
      { field: firstMissing },
    );
  }
  const found: Partial<Record<Name, string>> = {};
  for (const name of missing) {
    const value = endpoints[name];
    if (typeof value !== 'string' || value === '') {
      throw new CareError('CARE_ERR_CONFIG', `${unset}, and ${file} has no ${name}: set it`, { field: name });
    }
    found[name] = value;
  }
  return { ...given, ...found };
}

/**
 * The API key for ingest: the --key option, else the first of `variables` that is set, else the admin key
 * `npm start` keeps in the local stack's state directory. The error says what was tried, then `advice`.
 */
export async function apiKeyFor(
  option: string | undefined,
  env: NodeJS.ProcessEnv,
  variables: readonly ApiKeyVariable[],
  advice: string,
): Promise<string> {
  if (option !== undefined) return headerSafe(option, '--key');
  for (const name of variables) {
    const value = env[name];
    if (value) return headerSafe(value, name);
  }
  const file = join(await stackStateDir(env), 'admin-key');
  const read = await readStateFile(file);
  const key = 'text' in read ? read.text.trim() : '';
  if (key !== '') return headerSafe(key, file);
  throw new CareError(
    'CARE_ERR_CONFIG',
    `no API key: no --key, ${variables.join(' and ')} unset, and ${file} (the admin key \`npm start\` keeps) ` +
      `${'why' in read ? read.why : 'is empty'}; ${advice}`,
    { field: 'key' },
  );
}

/**
 * The key, if it can go in an HTTP header: printable ASCII without spaces, as carestream's keys are. Another
 * character (a line break pasted with it) would make every request fail with the header, key and all, in the
 * error; this refuses it without repeating the key.
 */
function headerSafe(key: string, from: string): string {
  if (/^[\x21-\x7e]+$/.test(key)) return key;
  throw new CareError(
    'CARE_ERR_CONFIG',
    `the API key from ${from} holds a space, a line break or a character outside printable ASCII; ` +
      'an API key is printable ASCII without spaces (check how it was pasted)',
    { field: 'key' },
  );
}

/** A file of the state directory, or why it cannot be had (for the error). */
async function readStateFile(file: string): Promise<{ text: string } | { why: string }> {
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { why: missing ? 'does not exist' : `cannot be read (${(error as Error).message})` };
  }
}

function jsonObject(text: string): Partial<Record<string, unknown>> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined; // the caller says so, with the file's name
  }
}
