import { CareError } from '@carestream/errors';
import type { Pool } from '@carestream/postgres';
import type { Kafka } from 'kafkajs';

export type ReadinessCheck = () => Promise<void>;

export function postgresCheck(pool: Pool): ReadinessCheck {
  return async () => {
    await pool.query('select 1');
  };
}

export function kafkaCheck(kafka: Kafka): ReadinessCheck {
  return async () => {
    const admin = kafka.admin({ retry: { retries: 0 } });
    await admin.connect();
    try {
      await admin.describeCluster();
    } finally {
      await admin.disconnect();
    }
  };
}

/** `auth`: the registry's basic-auth credentials, when it wants them (a 401 makes the service not ready). */
export function registryCheck(
  schemaRegistryUrl: string,
  auth?: { readonly username: string; readonly password: string },
): ReadinessCheck {
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` }
    : {};
  return async () => {
    const response = await fetch(`${schemaRegistryUrl.replace(/\/$/, '')}/subjects`, {
      headers,
      signal: AbortSignal.timeout(3_000),
    });
    if (!response.ok) {
      throw new CareError('CARE_ERR_REGISTRY_UNAVAILABLE', `registry answered ${response.status}`, {
        retriable: true,
      });
    }
  };
}

/** Runs every check with a time limit; returns which ones failed and why. */
export async function runReadinessChecks(
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs = 5_000,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await Promise.race([
          check(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref(),
          ),
        ]);
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      }
    }),
  );
  return { ready: entries.every(([, result]) => result === 'ok'), checks: Object.fromEntries(entries) };
}
