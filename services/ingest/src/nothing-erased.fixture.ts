// An erasure log for tests without a database: nothing was ever erased.
import { ErasureLog, NOTHING_ERASED } from '@carestream/erasure';
import type { Pool } from '@carestream/postgres';

export function nothingErased(): ErasureLog {
  const log = new ErasureLog({} as Pool);
  log.erasedValues = async () => NOTHING_ERASED;
  return log;
}
