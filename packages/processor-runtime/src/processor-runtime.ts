import { CareError } from '@carestream/errors';
import { withTransaction, type Pool, type PoolClient } from '@carestream/postgres';
import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { GroupCommitter, type PendingBatch } from './group-commit.ts';
import type { ProcessorMetrics } from './processor-metrics.ts';
import { isTransientFault } from './transient-faults.ts';

export interface DecodedRecord<T> {
  readonly offset: string;
  readonly key: string | null;
  readonly value: T;
}

export interface PartitionBatch<T> {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly DecodedRecord<T>[];
  /** Keeps the group membership alive during long folds. */
  readonly heartbeat: () => Promise<void>;
}

/** What a processor is: how to read its messages and how to fold a batch of them into Postgres. */
export interface ProcessorDefinition<T> {
  /** Stable name: keys the stored offsets and defaults the consumer group. */
  readonly name: string;
  readonly topics: readonly string[];
  /** Throws a non-retriable CareError for a message that can never be decoded (it is dead-lettered). */
  decode(message: KafkaMessage, topic: string): Promise<T>;
  /**
   * Applies partition batches (of distinct partitions; usually every partition that had messages in the fetch)
   * inside the one transaction that also stores their offsets.
   */
  apply(client: PoolClient, batches: readonly PartitionBatch<T>[]): Promise<void>;
  /** Event time of a decoded value (ms), for the freshness histogram. */
  eventTimeMs?(value: T): number | undefined;
  /**
   * Runs first in every transaction, before the offsets are read: e.g. `set local search_path` to the
   * projection's active generation, whose schema also holds its offsets (see `carestream replay`).
   */
  prepareTransaction?(client: PoolClient): Promise<void>;
}

export interface ProcessorRuntimeOptions {
  readonly kafka: Kafka;
  readonly pool: Pool;
  readonly deadLetterTopic: string;
  readonly metrics: ProcessorMetrics;
  readonly groupId?: string;
  /** How long the group waits for a silent member before moving its partitions (default 30 s). */
  readonly sessionTimeoutMs?: number;
  /**
   * Transactions run at once (default 1), each holding the partition batches that were waiting for one (group
   * commit). More than one lets one instance fold a group while another waits on Postgres.
   */
  readonly concurrentTransactions?: number;
  /**
   * A transaction takes waiting partition batches up to this many events in all (default 10,000; a larger
   * batch goes alone): in catch-up a fetch of every partition then becomes a few transactions run side by side
   * rather than one that holds them all.
   */
  readonly transactionMaxEvents?: number;
  /** Most bytes fetched per partition and request (default 256 KiB): bounds the memory a fetch holds. */
  readonly maxBytesPerPartition?: number;
  /**
   * A fetch waits for this many bytes (default 256 KiB) or for fetchWaitMs (default 200 ms), whichever comes
   * first. At live rates this gathers a few hundred milliseconds of events into each partition batch, so a
   * transaction carries tens of events instead of a handful (fewer statements and commits per event); when a
   * backlog is waiting, the bytes are there at once and nothing waits.
   */
  readonly fetchMinBytes?: number;
  readonly fetchWaitMs?: number;
  /** The time now (ms), for the freshness metric; absent: the wall clock. */
  readonly clock?: () => number;
  /**
   * How often the lag gauge is worked out again from the topics' ends and the stored offsets (default 5 s),
   * whether or not the consumer is fetching: a consumer out of its group must not leave a stale 0 behind.
   */
  readonly lagRefreshMs?: number;
  /** Called after a batch's Postgres transaction committed and before Kafka hears of it. */
  readonly onCommitted?: (info: {
    topic: string;
    partition: number;
    nextOffset: string;
  }) => void | Promise<void>;
}

export interface ProcessorStatus {
  /** The consumer is a member of its group and has heard from it within a session timeout. */
  readonly inGroup: boolean;
  /** What it is doing, in words (for /readyz). */
  readonly detail: string;
}

export interface RunningProcessor {
  readonly name: string;
  status(): ProcessorStatus;
  stop(): Promise<void>;
}

// Creates the partitions' rows if missing and locks them (in one order, so that two transactions wanting the
// same rows queue rather than deadlock), returning the stored offsets, in one statement: the lock exists even
// for a partition's first batch, so two members that both think they own a partition (during a rebalance)
// queue here instead of both applying it.
const LOCK_OFFSETS_SQL = `
  insert into processor_offsets (processor, topic, partition, next_offset)
  select $1, u.topic, u.partition, 0 from unnest($2::text[], $3::int[]) as u(topic, partition)
   order by u.topic, u.partition
  on conflict (processor, topic, partition) do update set next_offset = processor_offsets.next_offset
  returning topic, partition, next_offset::text`;

const STORE_OFFSETS_SQL = `
  update processor_offsets o set next_offset = u.next_offset, updated_at = now()
    from unnest($2::text[], $3::int[], $4::bigint[]) as u(topic, partition, next_offset)
   where o.processor = $1 and o.topic = u.topic and o.partition = u.partition`;

// A batch that meets a transient fault is retried after 200 ms, doubling up to 10 s.
const RETRY_INITIAL_MS = 200;
const RETRY_MAX_MS = 10_000;

// More than a member is ever assigned in practice; kafkajs hands a fetch's batches to this many handlers at once.
const PARTITIONS_HANDLED_AT_ONCE = 256;

// A consumer that crashed is replaced after 1 s, doubling up to 30 s while the replacements crash too, for as
// long as it takes. kafkajs restarts a crashed consumer itself only when the error's root cause is retriable,
// which it is not for a group coordinator it could not find (what a broker that is starting up answers) or an
// error of ours: after those the consumer stayed out of its group for good, whatever became of Kafka.
const RESTART_INITIAL_MS = 1_000;
const RESTART_MAX_MS = 30_000;
const STEADY_MEMBER_MS = 60_000;

/**
 * Runs a processor with exactly-once effects in Postgres: each partition batch is decoded, folded and
 * written in ONE transaction together with the next offset; offsets already applied are skipped
 * (fencing against re-delivery after a crash or rebalance), and on joining the group the consumer seeks to
 * the stored offsets. Transient faults retry the whole batch with backoff and commit nothing; messages
 * that cannot be decoded, or that the fold cannot apply, go to the dead-letter topic with the reason, and the
 * partition goes on.
 */
export async function startProcessor<T>(
  definition: ProcessorDefinition<T>,
  options: ProcessorRuntimeOptions,
): Promise<RunningProcessor> {
  const groupId = options.groupId ?? `carestream.${definition.name}`;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
  const producer: Producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const { metrics } = options;

  // The next offset stored for each partition, as far as this member knows: read once after joining, then
  // kept from its own commits, so the pre-decode skip costs no query per batch. It can only lag behind the
  // table (another member committed meanwhile), which means decoding a few messages the fencing then skips.
  const knownNextOffsets = new Map<string, bigint>();

  // Where the consumer stands, for status(): joining, in its group (last word from it), or crashed and waiting
  // to be replaced. Times are monotonic (performance.now()).
  let phase: 'joining' | 'member' | 'restarting' | 'stopped' = 'joining';
  let lastContact = performance.now();
  let lastCrash = '';
  let restartAt = 0;
  let crashes = 0; // in a row: a member that stays a minute in its group starts the backoff again from 1 s
  let joinedAt = 0;
  let consumer: Consumer | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  let admin: Admin | undefined; // for the lag's topic ends; replaced after a failure
  const isStopped = () => phase === 'stopped';

  function newConsumer(): Consumer {
    const created = options.kafka.consumer({
      groupId,
      sessionTimeout: sessionTimeoutMs,
      // Every second: a rebalance (an instance joining or leaving) is noticed within a second, not three, and the
      // whole group waits for its slowest member to notice.
      heartbeatInterval: Math.min(1_000, Math.floor(sessionTimeoutMs / 3)),
      maxBytesPerPartition: options.maxBytesPerPartition ?? 256 * 1024,
      minBytes: options.fetchMinBytes ?? 256 * 1024,
      maxWaitTimeInMs: options.fetchWaitMs ?? 200,
      // Every crash is replaced here (replaceAfterCrash), one way for all errors, with our backoff and status.
      retry: { retries: 5, restartOnFailure: async () => false },
    });
    const heard = () => {
      if (created === consumer) lastContact = performance.now();
    };
    for (const event of [
      created.events.HEARTBEAT,
      created.events.FETCH,
      created.events.END_BATCH_PROCESS,
      created.events.COMMIT_OFFSETS,
    ])
      created.on(event, heard);
    created.on(created.events.GROUP_JOIN, ({ payload }) => {
      if (created !== consumer) return;
      phase = 'member';
      joinedAt = performance.now();
      heard();
      knownNextOffsets.clear();
      void seekToStoredOffsets(created, payload.memberAssignment).catch((error: unknown) => {
        // Not fatal: fencing in the transaction keeps correctness; the seek only avoids re-reading.
        logLine({
          level: 'warn',
          processor: definition.name,
          message: 'seek to stored offsets failed',
          error: String(error),
        });
      });
    });
    // kafkajs has disconnected the consumer by the time it reports the crash.
    created.on(created.events.CRASH, ({ payload }) => {
      if (created === consumer) replaceAfterCrash(payload.error);
    });
    return created;
  }

  async function startConsumer(): Promise<void> {
    const created = newConsumer();
    consumer = created;
    phase = 'joining';
    lastContact = performance.now();
    await created.connect();
    for (const topic of definition.topics) await created.subscribe({ topic, fromBeginning: true });
    // stop() may have come while this one was connecting; it must not start consuming after it.
    if (isStopped()) {
      await created.disconnect();
      return;
    }
    // Resolves once the first join was tried; a failed join is reported as a crash (replaceAfterCrash).
    await created.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Every partition of a fetch at once: their batches wait for a shared transaction (GroupCommitter), which
      // bounds the transactions; kafkajs fetches again once all of them are done.
      partitionsConsumedConcurrently: PARTITIONS_HANDLED_AT_ONCE,
      eachBatch: async (payload) => handleBatch(payload),
    });
  }

  function replaceAfterCrash(error: unknown): void {
    if (phase === 'stopped' || phase === 'restarting') return;
    if (phase === 'member' && performance.now() - joinedAt > STEADY_MEMBER_MS) crashes = 0;
    crashes += 1;
    const delay = Math.min(RESTART_MAX_MS, RESTART_INITIAL_MS * 2 ** Math.min(crashes - 1, 10));
    phase = 'restarting';
    lastCrash = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    restartAt = performance.now() + delay;
    logLine({
      level: 'error',
      processor: definition.name,
      message: 'consumer crashed; replacing it',
      attempt: crashes,
      delayMs: delay,
      error: lastCrash,
    });
    const crashed = consumer;
    restartTimer = setTimeout(() => {
      void (async () => {
        // Usually disconnected already (kafkajs does it on a crash); a consumer that failed to start may not be.
        await crashed?.disconnect().catch(() => undefined);
        if (phase !== 'restarting') return;
        // A replacement that cannot even connect (Kafka still away) is one more crash, with a longer wait.
        await startConsumer().catch(replaceAfterCrash);
      })();
    }, delay);
  }

  function status(): ProcessorStatus {
    const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;
    switch (phase) {
      case 'stopped':
        return { inGroup: false, detail: 'stopped' };
      case 'restarting':
        return {
          inGroup: false,
          detail: `out of group ${groupId}: the consumer crashed (${lastCrash}); replacing it in ${seconds(restartAt - performance.now())} (attempt ${crashes})`,
        };
      case 'joining':
        return { inGroup: false, detail: `joining group ${groupId}` };
      case 'member': {
        const silence = performance.now() - lastContact;
        // A member the group has not heard from for a session timeout is no longer in it, as far as Kafka knows.
        return silence > sessionTimeoutMs
          ? { inGroup: false, detail: `no word from group ${groupId} for ${seconds(silence)}` }
          : { inGroup: true, detail: 'ok' };
      }
    }
  }

  /** One transaction on a pooled client, prepared as the definition asks (its schema, its offsets). */
  function inTransaction<R>(fn: (client: PoolClient) => Promise<R>): Promise<R> {
    return withTransaction(options.pool, async (client) => {
      await definition.prepareTransaction?.(client);
      return fn(client);
    });
  }

  async function seekToStoredOffsets(member: Consumer, assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      if (partitions.length === 0) continue;
      const { rows } = await inTransaction((client) =>
        client.query<{ partition: number; next_offset: number }>(
          'select partition, next_offset from processor_offsets where processor = $1 and topic = $2 and partition = any($3)',
          [definition.name, topic, partitions],
        ),
      );
      for (const row of rows) {
        knownNextOffsets.set(partitionKey({ topic, partition: row.partition }), BigInt(row.next_offset));
        member.seek({ topic, partition: row.partition, offset: String(row.next_offset) });
      }
    }
  }

  const groups = new GroupCommitter<T>({
    concurrentTransactions: options.concurrentTransactions ?? 1,
    maxEvents: options.transactionMaxEvents ?? 10_000,
    apply: applyInTransaction,
  });

  async function handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary } = payload;
    if (batch.messages.length === 0) return;
    const started = performance.now();
    const lastOffset = batch.lastOffset();
    const nextOffset = (BigInt(lastOffset) + 1n).toString();

    let attempt = 0;
    for (;;) {
      if (!isRunning() || isStale()) return;
      const preparation = groups.preparing();
      try {
        // Messages below the stored offset were applied before (re-delivery after a crash or a seek that
        // came late): skip them before decoding, so a poison message is dead-lettered once, not per re-read.
        const from = await storedOffset(batch.topic, batch.partition);
        const unseen = batch.messages.filter((message) => BigInt(message.offset) >= from);
        const { records, deadLetters } = await decodeAll(batch.topic, unseen);
        if (deadLetters.length > 0) await sendDeadLetters(batch.topic, batch.partition, deadLetters);
        const pending = { topic: batch.topic, partition: batch.partition, records, heartbeat, nextOffset };
        const outcome = await groups.join(preparation, pending);
        const messageAt = new Map(unseen.map((message) => [message.offset, message]));
        const { applied, poisoned } =
          outcome === 'alone'
            ? await applyIsolatingPoison({ ...pending, messageAt }, records, nextOffset)
            : { applied: outcome.applied, poisoned: 0 };
        metrics.events.inc({ processor: definition.name, outcome: 'applied' }, applied);
        metrics.events.inc(
          { processor: definition.name, outcome: 'skipped' },
          batch.messages.length - unseen.length + records.length - applied - poisoned,
        );
        metrics.events.inc(
          { processor: definition.name, outcome: 'dead_lettered' },
          deadLetters.length + poisoned,
        );
        observeFreshness(records);
        break;
      } catch (error) {
        preparation.done();
        if (!isTransientFault(error)) throw error;
        attempt += 1;
        metrics.retries.inc({ processor: definition.name, reason: faultReason(error) });
        const delay = Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** Math.min(attempt - 1, 10));
        logLine({
          level: 'warn',
          processor: definition.name,
          message: 'transient fault; retrying batch',
          attempt,
          delayMs: delay,
          error: String(error),
        });
        await sleepWithHeartbeat(delay, heartbeat);
      }
    }

    knownNextOffsets.set(partitionKey(batch), BigInt(nextOffset));
    await options.onCommitted?.({ topic: batch.topic, partition: batch.partition, nextOffset });
    resolveOffset(lastOffset);
    await commitOffsetsIfNecessary();
    await heartbeat();
    metrics.batchSize.observe({ processor: definition.name }, batch.messages.length);
    metrics.batchDuration.observe({ processor: definition.name }, (performance.now() - started) / 1000);
    setLag(batch.topic, batch.partition, BigInt(batch.highWatermark) - BigInt(nextOffset));
  }

  // The lag gauge's series this processor exports, so that it can withdraw them all when it does not know.
  const lagSeries = new Map<string, { processor: string; topic: string; partition: string }>();

  function setLag(topic: string, partition: number, lag: bigint): void {
    const labels = { processor: definition.name, topic, partition: String(partition) };
    lagSeries.set(partitionKey({ topic, partition }), labels);
    metrics.lag.set(labels, Math.max(0, Number(lag)));
  }

  /**
   * Works the lag out from the topics' ends and the offsets stored in PostgreSQL, which are true whether or not
   * the consumer is in its group. When either cannot be read (Kafka or PostgreSQL away) the series are removed:
   * no figure is better than a stale one (a 0 while messages pile up).
   */
  async function refreshLag(): Promise<void> {
    try {
      admin ??= options.kafka.admin({ retry: { retries: 2 } });
      await admin.connect();
      const ends: [topic: string, partition: number, end: bigint][] = [];
      for (const topic of definition.topics)
        for (const { partition, high } of await admin.fetchTopicOffsets(topic))
          ends.push([topic, partition, BigInt(high)]);
      const { rows } = await inTransaction((client) =>
        client.query<{ topic: string; partition: number; next_offset: string }>(
          'select topic, partition, next_offset::text from processor_offsets where processor = $1 and topic = any($2)',
          [definition.name, definition.topics],
        ),
      );
      const stored = new Map(rows.map((row) => [partitionKey(row), BigInt(row.next_offset)]));
      for (const [topic, partition, end] of ends)
        setLag(topic, partition, end - (stored.get(partitionKey({ topic, partition })) ?? 0n));
    } catch {
      for (const labels of lagSeries.values()) metrics.lag.remove(labels);
      lagSeries.clear();
      // A fresh admin next time: one that lost its broker does not always find it again.
      const lost = admin;
      admin = undefined;
      await lost?.disconnect().catch(() => undefined);
    }
  }

  async function storedOffset(topic: string, partition: number): Promise<bigint> {
    const known = knownNextOffsets.get(partitionKey({ topic, partition }));
    if (known !== undefined) return known;
    const { rows } = await inTransaction((client) =>
      client.query<{ next_offset: number }>(
        'select next_offset from processor_offsets where processor = $1 and topic = $2 and partition = $3',
        [definition.name, topic, partition],
      ),
    );
    const stored = BigInt(rows[0]?.next_offset ?? 0);
    knownNextOffsets.set(partitionKey({ topic, partition }), stored);
    return stored;
  }

  async function decodeAll(
    topic: string,
    messages: readonly KafkaMessage[],
  ): Promise<{
    records: DecodedRecord<T>[];
    deadLetters: { message: KafkaMessage; reason: string; code: string }[];
  }> {
    const records: DecodedRecord<T>[] = [];
    const deadLetters: { message: KafkaMessage; reason: string; code: string }[] = [];
    for (const message of messages) {
      try {
        const value = await definition.decode(message, topic);
        records.push({ offset: message.offset, key: message.key?.toString('utf8') ?? null, value });
      } catch (error) {
        if (isTransientFault(error)) throw error;
        const code = error instanceof CareError ? error.code : 'CARE_ERR_DECODE';
        deadLetters.push({ message, code, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return { records, deadLetters };
  }

  /**
   * Applies the records in one transaction; when that fails for a reason retrying cannot cure (the data, not a
   * service: Postgres refusing a value, a rule of the fold), the records are split in halves, each applied on its
   * own with the offsets up to it, until the ones that fail alone are found. Those go to the dead-letter topic with
   * the reason and their offsets are stored without them: a poison event costs a few transactions and never stops
   * its partition. Transient faults still propagate (the caller retries the whole batch).
   */
  async function applyIsolatingPoison(
    batch: Omit<PendingBatch<T>, 'records' | 'nextOffset'> & {
      messageAt: ReadonlyMap<string, KafkaMessage>;
    },
    records: readonly DecodedRecord<T>[],
    nextOffset: string,
  ): Promise<{ applied: number; poisoned: number }> {
    try {
      const [applied = 0] = await applyInTransaction([{ ...batch, records, nextOffset }]);
      return { applied, poisoned: 0 };
    } catch (error) {
      const only = records.length === 1 ? records[0] : undefined;
      const message = only && batch.messageAt.get(only.offset);
      if (isTransientFault(error) || records.length === 0 || (records.length === 1 && !message)) throw error;
      if (message) {
        const code = error instanceof CareError ? error.code : 'CARE_ERR_APPLY';
        const reason = `could not apply: ${error instanceof Error ? error.message : String(error)}`;
        logLine({
          level: 'error',
          processor: definition.name,
          message: 'dead-lettered an event it could not apply',
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          code,
          error: reason,
        });
        await sendDeadLetters(batch.topic, batch.partition, [{ message, reason, code }]);
        await applyInTransaction([{ ...batch, records: [], nextOffset }]);
        return { applied: 0, poisoned: 1 };
      }
      const middle = records.length >> 1;
      const first = records.slice(0, middle);
      const firstNext = (BigInt(first.at(-1)?.offset ?? '0') + 1n).toString();
      const a = await applyIsolatingPoison(batch, first, firstNext);
      const b = await applyIsolatingPoison(batch, records.slice(middle), nextOffset);
      return { applied: a.applied + b.applied, poisoned: a.poisoned + b.poisoned };
    }
  }

  /**
   * One transaction for partition batches of distinct partitions: lock their offset rows, skip what is below
   * the stored offsets (fencing), store the next offsets, apply the rest. Returns how many records of each batch
   * were applied.
   */
  async function applyInTransaction(batches: readonly PendingBatch<T>[]): Promise<number[]> {
    metrics.transactionBatches.observe({ processor: definition.name }, batches.length);
    return inTransaction(async (client) => {
      const { rows } = await client.query<{ topic: string; partition: number; next_offset: string }>(
        LOCK_OFFSETS_SQL,
        [definition.name, batches.map((b) => b.topic), batches.map((b) => b.partition)],
      );
      const stored = new Map(rows.map((row) => [partitionKey(row), BigInt(row.next_offset)]));
      const fresh = batches.map((batch) => {
        const from = stored.get(partitionKey(batch)) ?? 0n;
        return { ...batch, from, records: batch.records.filter((record) => BigInt(record.offset) >= from) };
      });
      // The new offsets are written before the batches (the same transaction either way), so that the rows
      // apply locks last are held for nothing more than the commit.
      const moved = fresh.filter((batch) => BigInt(batch.nextOffset) > batch.from);
      if (moved.length > 0)
        await client.query(STORE_OFFSETS_SQL, [
          definition.name,
          moved.map((b) => b.topic),
          moved.map((b) => b.partition),
          moved.map((b) => b.nextOffset),
        ]);
      const toApply = fresh.filter((batch) => batch.records.length > 0);
      if (toApply.length > 0) await definition.apply(client, toApply);
      return fresh.map((batch) => batch.records.length);
    });
  }

  async function sendDeadLetters(
    topic: string,
    partition: number,
    deadLetters: readonly { message: KafkaMessage; reason: string; code: string }[],
  ): Promise<void> {
    await producer.send({
      topic: options.deadLetterTopic,
      acks: -1,
      messages: deadLetters.map(({ message, reason, code }) => {
        const headers: IHeaders = {
          'carestream-processor': definition.name,
          'carestream-source-topic': topic,
          'carestream-source-partition': String(partition),
          'carestream-source-offset': message.offset,
          'carestream-error-code': code,
          'carestream-error-reason': reason.slice(0, 1000),
        };
        return { key: message.key, value: message.value, headers };
      }),
    });
  }

  function observeFreshness(records: readonly DecodedRecord<T>[]): void {
    if (!definition.eventTimeMs) return;
    const now = (options.clock ?? Date.now)();
    for (const record of records) {
      const eventTime = definition.eventTimeMs(record.value);
      if (eventTime !== undefined)
        metrics.freshness.observe({ processor: definition.name }, Math.max(0, now - eventTime) / 1000);
    }
  }

  let lagTimer: NodeJS.Timeout | undefined;
  let lagRefresh: Promise<void> = Promise.resolve();
  const lagLoop = () => {
    lagRefresh = refreshLag().then(() => {
      if (phase !== 'stopped') lagTimer = setTimeout(lagLoop, options.lagRefreshMs ?? 5_000);
    });
  };

  await producer.connect();
  await startConsumer();
  lagLoop();

  return {
    name: definition.name,
    status,
    stop: async () => {
      phase = 'stopped';
      clearTimeout(restartTimer);
      clearTimeout(lagTimer);
      await lagRefresh;
      await consumer?.disconnect();
      await producer.disconnect();
      await admin?.disconnect();
    },
  };
}

/** A topic's partition as a map key (Kafka topic names hold no ':'). */
export function partitionKey({ topic, partition }: { topic: string; partition: number }): string {
  return `${topic}:${partition}`;
}

/** A structured log line on stderr (the services' logs are JSON lines). */
export function logLine(entry: Record<string, unknown>): void {
  process.stderr.write(`${JSON.stringify(entry)}\n`);
}

function faultReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return 'postgres';
  if (error instanceof CareError) return error.code;
  return error instanceof Error ? error.name : 'unknown';
}

async function sleepWithHeartbeat(ms: number, heartbeat: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, until - Date.now())));
    await heartbeat().catch(() => undefined);
  }
}
