// An erasure log for tests without a database: nothing was ever erased, so no event is refused for it.
import { ErasureLog } from '@carestream/erasure';
import type { Pool } from '@carestream/postgres';

export function nothingErased(): ErasureLog {
  const log = new ErasureLog({} as Pool);
  log.erasedSubjects = async () => new Map();
  return log;
}
