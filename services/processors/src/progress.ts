// How far a processor has got: the next offsets it stored (in a projection generation's schema, or public for
// the profiles processor) against the ends of its topics. Replay, the tests' catch-up and the bench read it.
import { CareError } from '@carestream/errors';
import type { Pool } from '@carestream/postgres';
import type { Admin } from 'kafkajs';
import type { Projection } from './projection-generation.ts';

/** `topic:partition`, the key of the maps below. */
export type PartitionId = string;

/** Each partition's end (the next offset to be written), by `topic:partition`. */
export async function topicEnds(admin: Admin, topics: readonly string[]): Promise<Map<PartitionId, number>> {
  const ends = new Map<PartitionId, number>();
  for (const topic of topics)
    for (const { partition, high } of await admin.fetchTopicOffsets(topic))
      ends.set(`${topic}:${partition}`, Number(high));
  return ends;
}

/** The schema a projection's processors and queries use now. */
export async function activeSchema(pool: Pool, projection: Projection): Promise<string> {
  const { rows } = await pool.query<{ active_schema: string }>(
    'select active_schema from projection_generations where projection = $1',
    [projection],
  );
  const schema = rows[0]?.active_schema;
  if (!schema)
    throw new CareError('CARE_ERR_CONFIG', `no active generation for ${projection}; run the migrations`);
  return schema;
}

/** A processor's stored next offsets in `schema`, by `topic:partition`. */
export async function storedOffsets(
  pool: Pool,
  schema: string,
  processor: string,
): Promise<Map<PartitionId, number>> {
  const { rows } = await pool.query<{ topic: string; partition: number; next_offset: string }>(
    `select topic, partition, next_offset from ${schema}.processor_offsets where processor = $1`,
    [processor],
  );
  return new Map(rows.map((row) => [`${row.topic}:${row.partition}`, Number(row.next_offset)]));
}

/** Messages applied of those up to `ends`. */
export function appliedOf(
  ends: ReadonlyMap<PartitionId, number>,
  stored: ReadonlyMap<PartitionId, number>,
): number {
  let sum = 0;
  for (const [id, end] of ends) sum += Math.min(end, stored.get(id) ?? 0);
  return sum;
}
