// How far the processors are: their stored offsets (in each projection's active generation schema, as
// test/e2e/pipeline-harness.ts reads them) against the topics' ends.
import type { TopicNames } from '@carestream/contract';
import { createKafka } from '@carestream/kafka';
import pg from 'pg';
import { sleep } from './stats.ts';

type Admin = ReturnType<ReturnType<typeof createKafka>['admin']>;

export async function topicEnds(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  for (const topic of topics)
    for (const { partition, high } of await admin.fetchTopicOffsets(topic))
      ends.set(`${topic}:${partition}`, Number(high));
  return ends;
}

/** Stored next offsets of a processor, by `topic:partition`; empty before the migrations ran. */
export async function storedOffsets(
  pool: pg.Pool,
  projection: 'sla' | 'churn',
  processor: string,
): Promise<Map<string, number>> {
  try {
    const { rows: generation } = await pool.query<{ active_schema: string }>(
      'select active_schema from projection_generations where projection = $1',
      [projection],
    );
    const schema = generation[0]?.active_schema;
    if (!schema) return new Map();
    const { rows } = await pool.query<{ topic: string; partition: number; next_offset: string }>(
      `select topic, partition, next_offset from ${schema}.processor_offsets where processor = $1`,
      [processor],
    );
    return new Map(rows.map((row) => [`${row.topic}:${row.partition}`, Number(row.next_offset)]));
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return new Map(); // not migrated yet
    throw error;
  }
}

export async function outboxSize(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from ${await activeSchema(pool, 'sla')}.derived_outbox`,
  );
  return rows[0]?.n ?? 0;
}

async function activeSchema(pool: pg.Pool, projection: string): Promise<string> {
  const { rows } = await pool.query<{ active_schema: string }>(
    'select active_schema from projection_generations where projection = $1',
    [projection],
  );
  return rows[0]?.active_schema ?? 'public';
}

async function groupStable(admin: Admin, groupId: string, members: number): Promise<boolean> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  return group?.state === 'Stable' && group.members.length >= members;
}

function applied(ends: ReadonlyMap<string, number>, stored: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const [id, end] of ends) sum += Math.min(end, stored.get(id) ?? 0);
  return sum;
}

export interface CatchUp {
  /** Messages on the SLA processor's topics (interactions and brand posts). */
  readonly slaMessages: number;
  /** From start to the SLA processor's first stored offset (start-up, group join, first batch). */
  readonly firstProgressMs: number;
  /** From start until the SLA processor's stored offsets reached the topic ends. */
  readonly slaDoneMs: number;
  /** From start until every instance was a member of the SLA group, in a stable state (null: not watched). */
  readonly stableGroupMs: number | null;
  /** Applied per second from the first progress (and a stable group) to the end: the sustained rate. */
  readonly slaEventsPerSecond: number;
  /** Applied per second from the processes' start, start-up and group joins included. */
  readonly wallEventsPerSecond: number;
  /** From start until the outbox was empty and the churn processor had read every derived event too. */
  readonly allDoneMs: number;
  readonly derivedMessages: number;
  /** Already applied at the first poll (the processes' start-up can take long enough for work to begin). */
  readonly appliedAtFirstPoll: number;
}

/**
 * Polls until the SLA processor's offsets reach the ends of its topics as they are now (everything was
 * preloaded), then until the churn processor has caught up with the derived events the SLA processor wrote.
 */
export async function waitForCatchUp(options: {
  readonly brokers: string;
  readonly databaseUrl: string;
  readonly names: TopicNames;
  readonly startedAt: number;
  readonly timeoutMs: number;
  /** The SLA processor's consumer group: the sustained rate counts from when all members share it. */
  readonly slaGroupId?: string;
  readonly members?: number;
  readonly onProgress?: (applied: number, total: number) => void;
  /** Called once, when the first stored offset shows up (the processes may still be finishing start-up). */
  readonly onFirstProgress?: (applied: number) => Promise<void>;
  /** Set when the caller gave up (a process failed to start): stops polling. */
  readonly cancelled?: () => boolean;
}): Promise<CatchUp> {
  const admin = createKafka({ brokers: options.brokers, clientId: 'carestream-bench-catch-up' }).admin();
  await admin.connect();
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  try {
    const ends = await topicEnds(admin, [options.names.interactions, options.names.brandPosts]);
    const total = [...ends.values()].reduce((a, b) => a + b, 0);
    let first: { at: number; applied: number } | undefined;
    let stable: { at: number; applied: number } | undefined;
    let lastReport = 0;
    let appliedAtFirstPoll: number | undefined;
    let slaDone: number | undefined;
    for (;;) {
      const now = Date.now();
      if (options.cancelled?.()) throw new Error('cancelled');
      if (now - options.startedAt > options.timeoutMs)
        throw new Error(`processors did not catch up within ${options.timeoutMs / 1000} s`);
      const done = applied(ends, await storedOffsets(pool, 'sla', 'sla'));
      appliedAtFirstPoll ??= done;
      if (done > 0 && !first) {
        first = { at: Date.now(), applied: done };
        await options.onFirstProgress?.(done);
      }
      if (
        !stable &&
        options.slaGroupId &&
        (await groupStable(admin, options.slaGroupId, options.members ?? 1))
      )
        stable = { at: Date.now(), applied: done };
      if (now - lastReport > 10_000) {
        options.onProgress?.(done, total);
        lastReport = now;
      }
      if (done >= total) {
        slaDone = Date.now();
        break;
      }
      await sleep(100);
    }
    let derivedMessages = 0;
    for (;;) {
      if (Date.now() - options.startedAt > options.timeoutMs)
        throw new Error(`the churn processor did not catch up within ${options.timeoutMs / 1000} s`);
      const pending = await outboxSize(pool);
      const derivedEnds = await topicEnds(admin, [options.names.slaDerived]);
      derivedMessages = [...derivedEnds.values()].reduce((a, b) => a + b, 0);
      const churn = applied(derivedEnds, await storedOffsets(pool, 'churn', 'churn'));
      if (pending === 0 && churn >= derivedMessages) break;
      await sleep(100);
    }
    const allDone = Date.now();
    // Sustained: from the later of the first stored offset and the group holding all its members; when
    // that was already the end (a tiny run), over the whole time instead.
    let start = first ?? { at: options.startedAt, applied: 0 };
    if (stable && stable.at > start.at) start = stable;
    if (start.applied >= total) start = { at: options.startedAt, applied: 0 };
    return {
      slaMessages: total,
      firstProgressMs: (first?.at ?? slaDone) - options.startedAt,
      stableGroupMs: stable ? stable.at - options.startedAt : null,
      slaDoneMs: slaDone - options.startedAt,
      slaEventsPerSecond: Math.round(((total - start.applied) * 1000) / Math.max(1, slaDone - start.at)),
      wallEventsPerSecond: Math.round((total * 1000) / Math.max(1, slaDone - options.startedAt)),
      allDoneMs: allDone - options.startedAt,
      derivedMessages,
      appliedAtFirstPoll: appliedAtFirstPoll ?? 0,
    };
  } finally {
    await pool.end();
    await admin.disconnect();
  }
}
