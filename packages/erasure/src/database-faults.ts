import { databaseUnavailable, isDatabaseUnavailable } from '@carestream/postgres';

/**
 * Runs a statement on the identities' database; PostgreSQL away becomes the retriable
 * CARE_ERR_DATABASE_UNAVAILABLE (a 503 with Retry-After for an HTTP caller), any other error stays as it is.
 */
export async function onIdentities<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isDatabaseUnavailable(error) ? databaseUnavailable(error, 'the identities database') : error;
  }
}
