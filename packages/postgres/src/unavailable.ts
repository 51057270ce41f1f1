import { CareError, isNetworkFault } from '@carestream/errors';

/**
 * Whether an error means PostgreSQL is away or cannot take work now, rather than refusing this statement:
 * unreachable (isNetworkFault), connection lost (SQLSTATE class 08), shutting down or starting (57P), out of resources or
 * connections (53), or pg's own messages for a dropped connection and a full pool's connect timeout. Such an
 * error is worth retrying, and worth a 503 to an HTTP caller, never a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (isNetworkFault(error)) return true;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || code.startsWith('57P') || code.startsWith('53'))
  ) {
    return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

/** The retriable CARE_ERR_DATABASE_UNAVAILABLE for such an error (the HTTP handler answers 503 + Retry-After). */
export function databaseUnavailable(error: unknown, what: string): CareError {
  return new CareError('CARE_ERR_DATABASE_UNAVAILABLE', `${what} is unavailable; retry shortly`, {
    retriable: true,
    cause: error,
  });
}
