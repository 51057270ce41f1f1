import { isRetriable } from '@carestream/errors';
import { isDatabaseUnavailable } from '@carestream/postgres';

// Errors that say they are retriable (CareErrors, kafkajs errors: isRetriable), PostgreSQL away or out of
// resources (isDatabaseUnavailable), serialization failures and deadlocks: retry, never dead-letter.
export function isTransientFault(error: unknown): boolean {
  if (isRetriable(error) || isDatabaseUnavailable(error)) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01';
}
