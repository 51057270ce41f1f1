// Waits for the processors to catch up with a preloaded log, timing it (progress from @carestream/processors).
import type { TopicNames } from '@carestream/contract';
import { createKafka } from '@carestream/kafka';
import { activeSchema, appliedOf, storedOffsets, topicEnds } from '@carestream/processors';
import pg from 'pg';
import { sleep } from './stats.ts';

type Admin = ReturnType<ReturnType<typeof createKafka>['admin']>;

/** A projection's processor's stored offsets in its active generation; empty before the migrations ran. */
export async function storedOffsetsOf(
  pool: pg.Pool,
  projection: 'sla',
  processor: string,
): Promise<Map<string, number>> {
  try {
    return await storedOffsets(pool, await activeSchema(pool, projection), processor);
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return new Map(); // not migrated yet
    throw error;
  }
}

async function groupStable(admin: Admin, groupId: string, members: number): Promise<boolean> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  return group?.state === 'Stable' && group.members.length >= members;
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
  /**
   * From start until everything was folded: the SLA processor's offsets at the ends (its transactions write the
   * churn signals too) and the compactor's hourly rows with no delta left.
   */
  readonly allDoneMs: number;
  /** Already applied at the first poll (the processes' start-up can take long enough for work to begin). */
  readonly appliedAtFirstPoll: number;
}

/**
 * Polls until the SLA processor's offsets reach the ends of its topics as they are now (everything was
 * preloaded), then until the bucket compactor has folded every delta into the hourly rows.
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
      const done = appliedOf(ends, await storedOffsetsOf(pool, 'sla', 'sla'));
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
    for (;;) {
      if (Date.now() - options.startedAt > options.timeoutMs)
        throw new Error(`the bucket compactor did not catch up within ${options.timeoutMs / 1000} s`);
      const { rows } = await pool.query<{ pending: boolean }>(
        `select exists (select 1 from ${await activeSchema(pool, 'sla')}.sla_hourly_deltas) as pending`,
      );
      if (!rows[0]?.pending) break;
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
      appliedAtFirstPoll: appliedAtFirstPoll ?? 0,
    };
  } finally {
    await pool.end();
    await admin.disconnect();
  }
}
