import { CareError } from '@carestream/errors';
import type { PoolClient } from '@carestream/postgres';

/** The projections rebuilt by replay: the SLA figures, the backlog and the churn signals live in one. */
export type Projection = 'sla';

const SCHEMA_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Points this transaction at a projection's tables. Live processors follow the active generation, taking a
 * share lock on its row so that a replay's swap (which takes the row for update) waits for in-flight batches
 * and later batches see the new generation. A replay writes to its own, fixed, generation.
 */
export async function useGeneration(
  client: PoolClient,
  projection: Projection,
  fixedSchema?: string,
): Promise<string> {
  if (fixedSchema !== undefined) {
    if (!SCHEMA_NAME.test(fixedSchema))
      throw new CareError('CARE_ERR_CONFIG', `bad schema name ${fixedSchema}`);
    await client.query(`set local search_path to ${fixedSchema}, public`);
    return fixedSchema;
  }
  // One round trip for both: the share lock on the generation row, and the search path (set_config with
  // is_local = true is `set local`). Generation names are written only by migrations and replay, under
  // SCHEMA_NAME; the check below is for the day one is not.
  const { rows } = await client.query<{ active_schema: string }>(
    `select g.active_schema, set_config('search_path', format('%I, public', g.active_schema), true)
       from projection_generations g where g.projection = $1 for share`,
    [projection],
  );
  const schema = rows[0]?.active_schema;
  if (!schema) {
    throw new CareError(
      'CARE_ERR_CONFIG',
      `no active generation for projection ${projection}; run the migrations`,
    );
  }
  if (!SCHEMA_NAME.test(schema)) throw new CareError('CARE_ERR_CONFIG', `bad schema name ${schema}`);
  return schema;
}
