import { isRetriable } from '@carestream/errors';
import { isDatabaseUnavailable } from '@carestream/postgres';

// PostgreSQL away or out of resources (isDatabaseUnavailable), serialization failures and deadlocks, retriable
// CareErrors and kafkajs errors: retry, never dead-letter.
export function isTransientFault(error: unknown): boolean {
  if (isRetriable(error) || isDatabaseUnavailable(error)) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code === '40001' || code === '40P01') return true;
  return (error as { retriable?: unknown }).retriable === true; // kafkajs errors
}
