// Section 5: freshness, from an event's receivedAt (stamped "now" by the sender) to the moment the SLA
// processor's transaction holding it committed: its stored offset passed the message. The API reads those
// same committed rows, so a query issued at that instant shows the event. Events go through ingest at a
// fixed rate (open loop: a tick every 50 ms, whatever the previous requests are doing); a tap consumer
// learns each event's partition and offset; the stored offsets are polled every 25 ms.
import { randomUUID } from 'node:crypto';
import {
  conversationKey,
  topicNames,
  type Channel,
  type MentionReceived,
  type ReplySent,
} from '@carestream/contract';
import { createKafka } from '@carestream/kafka';
import { migrate } from '@carestream/postgres';
import { toIngestItem } from '@carestream/simulator';
import pg from 'pg';
import { topicEnds } from '@carestream/processors';
import { storedOffsetsOf } from '../catch-up.ts';
import { coresUsed, cpuSnapshot } from '../cpu.ts';
import type { BenchDatabase } from '../isolation.ts';
import { startService } from '../services.ts';
import { log, quantile, round, sleep } from '../stats.ts';
import { BRANDS, workload } from '../workload.ts';
import { ADMIN_KEY } from './ingest.ts';
import { processorsEnv } from './processors.ts';

const TICK_MS = 50;
const POLL_MS = 25;
const WARMUP_MS = 5_000;
const CHANNELS: readonly Channel[] = ['x', 'facebook', 'instagram'];

export interface FreshnessPoint {
  readonly targetEventsPerSecond: number;
  readonly sentEventsPerSecond: number;
  readonly measuredEvents: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Events never seen committed before the wait ran out (counted as not fresh). */
  readonly notVisible: number;
  /** After the last send, how long until the processor had everything (ms). */
  readonly drainMs: number;
  readonly ingestP99Ms: number;
  readonly ingestErrors: number;
  readonly cores: Record<string, number>;
  /** The SLA processor's batches in the measured window, from its /metrics. */
  readonly slaBatches: SlaBatchStats;
}

export interface SlaBatchStats {
  readonly perSecond: number;
  readonly meanEvents: number;
  readonly meanMs: number;
  /** SLA batches being applied, on average: time inside batches / window (up to the concurrent partitions). */
  readonly busy: number;
}

export interface FreshnessResult {
  readonly seconds: number;
  readonly points: readonly FreshnessPoint[];
  readonly peakRssMiB: { ingest: number; processors: number };
}

interface Sent {
  readonly at: number;
}

export async function measureFreshness(options: {
  brokers: string;
  registryUrl: string;
  database: BenchDatabase;
  prefix: string;
  partitions: number;
  rates: readonly number[];
  seconds: number;
  logDir: string;
}): Promise<FreshnessResult> {
  const names = topicNames(options.prefix);
  await migrate(options.database.url);
  const ingest = await startService('ingest', {
    label: 'freshness-ingest',
    logDir: options.logDir,
    env: {
      KAFKA_BROKERS: options.brokers,
      SCHEMA_REGISTRY_URL: options.registryUrl,
      DATABASE_URL: options.database.url,
      CARESTREAM_TOPIC_PREFIX: options.prefix,
      CARESTREAM_PARTITIONS: String(options.partitions),
      CARESTREAM_ADMIN_KEY: ADMIN_KEY,
    },
  });
  const processors = await startService('processors', {
    label: 'freshness-processors',
    logDir: options.logDir,
    env: processorsEnv({
      brokers: options.brokers,
      registryUrl: options.registryUrl,
      databaseUrl: options.database.url,
      prefix: options.prefix,
      partitions: options.partitions,
      groupPrefix: `bench-${randomUUID().slice(0, 8)}`,
    }),
  });
  const named = new Map([
    [ingest.pid, 'ingest'],
    [processors.pid, 'processors'],
  ]);
  const kafka = createKafka({ brokers: options.brokers, clientId: 'carestream-bench-tap' });
  const admin = kafka.admin();
  await admin.connect();
  const pool = new pg.Pool({
    connectionString: options.database.url,
    max: 2,
    application_name: 'carestream-bench',
  });
  // PostgreSQL's CPU split by whose sessions used it: the live-rate figure is the processors' with their own
  // sessions, not ingest's (API key and identity look-ups) nor the bench's offset polling. The rest of the
  // server (WAL writer, checkpointer, autovacuum) stays "postgres" and counts with the processors.
  const withSessions = async () => {
    const { rows } = await pool.query<{ pid: number; application_name: string }>(
      `select pid, application_name from pg_stat_activity
        where application_name in ('carestream-ingest', 'carestream-processors', 'carestream-bench')`,
    );
    return new Map([
      ...named,
      ...rows.map(({ pid, application_name }): [number, string] => [
        pid,
        `postgres:${application_name.replace('carestream-', '')}`,
      ]),
    ]);
  };
  const tap = kafka.consumer({ groupId: `bench-tap-${randomUUID()}`, maxWaitTimeInMs: 20 });

  // key → send times of its events not yet seen by the tap, in order (a conversation stays on one partition).
  const pendingByKey = new Map<string, Sent[]>();
  // partition → [offset, sentAt] of every event the tap saw.
  const tapped = new Map<number, { offset: number; at: number }[]>();
  // partition → [pollTime, nextOffset] whenever the stored offset moved.
  const committed = new Map<number, { at: number; next: number }[]>();

  let posting = 0;
  const post = async (body: string): Promise<{ ms: number; ok: boolean }> => {
    const sent = Date.now();
    posting += 1;
    try {
      const response = await fetch(`${ingest.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      await response.arrayBuffer();
      return { ms: Date.now() - sent, ok: response.status === 202 };
    } catch {
      return { ms: Date.now() - sent, ok: false };
    } finally {
      posting -= 1;
    }
  };

  let polling = true;
  const poller = (async () => {
    const last = new Map<number, number>();
    while (polling) {
      const at = Date.now();
      const stored = await storedOffsetsOf(pool, 'sla', 'sla').catch(() => new Map<string, number>());
      for (const [id, next] of stored) {
        if (!id.startsWith(`${names.interactions}:`)) continue;
        const partition = Number(id.slice(names.interactions.length + 1));
        if (last.get(partition) === next) continue;
        last.set(partition, next);
        const history = committed.get(partition) ?? [];
        history.push({ at, next });
        committed.set(partition, history);
      }
      await sleep(Math.max(0, POLL_MS - (Date.now() - at)));
    }
  })();

  try {
    await post(
      workload(1_000)
        .profiles.map((profile) => JSON.stringify(toIngestItem(profile)))
        .join('\n'),
    );
    await tap.connect();
    await tap.subscribe({ topic: names.interactions, fromBeginning: true });
    await tap.run({
      eachBatch: async ({ batch }) => {
        const list = tapped.get(batch.partition) ?? [];
        for (const message of batch.messages) {
          const key = message.key?.toString('utf8') ?? '';
          const queue = pendingByKey.get(key);
          const sent = queue?.shift();
          if (queue && queue.length === 0) pendingByKey.delete(key);
          if (sent) list.push({ offset: Number(message.offset), at: sent.at });
        }
        tapped.set(batch.partition, list);
      },
    });

    const points: FreshnessPoint[] = [];
    let sequence = 0;
    const open = new OpenConversations();
    for (const rate of options.rates) {
      const perTick = (rate * TICK_MS) / 1000;
      const total = WARMUP_MS + options.seconds * 1000;
      const started = Date.now();
      const measureFrom = started + WARMUP_MS;
      const requests: Promise<{ ms: number; ok: boolean }>[] = [];
      let owed = 0;
      let sentEvents = 0;
      let cpuBefore: Awaited<ReturnType<typeof cpuSnapshot>> | undefined;
      let batchesBefore: BatchCounters | undefined;
      for (let tick = 0; tick * TICK_MS < total; tick += 1) {
        const due = started + tick * TICK_MS;
        await sleep(Math.max(0, due - Date.now()));
        if (!cpuBefore && Date.now() >= measureFrom) {
          cpuBefore = await cpuSnapshot(await withSessions());
          batchesBefore = await scrapeBatches(processors.url);
        }
        const now = Date.now();
        owed += perTick;
        const count = Math.floor(owed);
        owed -= count;
        const items: string[] = [];
        for (let i = 0; i < count; i += 1) {
          const event = nextEvent(now, (sequence += 1), open);
          const key = conversationKey(event);
          const queue = pendingByKey.get(key) ?? [];
          queue.push({ at: now });
          pendingByKey.set(key, queue);
          items.push(JSON.stringify(toIngestItem(event)));
        }
        sentEvents += count;
        if (items.length > 0) requests.push(post(items.join('\n')));
      }
      const sendingEnded = Date.now();
      const batchesAfter = await scrapeBatches(processors.url);
      const answers = await Promise.all(requests);
      const cores = cpuBefore ? coresUsed(cpuBefore, await cpuSnapshot(await withSessions())) : {};
      const slaBatches = batchStats(batchesBefore, batchesAfter);
      // Wait for the processor to have everything that was sent (or give up after a minute).
      const ends = await topicEnds(admin, [names.interactions]);
      let drained = Date.now();
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(POLL_MS)) {
        const stored = await storedOffsetsOf(pool, 'sla', 'sla');
        if ([...ends].every(([id, end]) => (stored.get(id) ?? 0) >= end)) {
          drained = Date.now();
          break;
        }
      }
      await sleep(200); // the tap is a few ms behind at most; let it finish the tail
      const freshness: number[] = [];
      let notVisible = 0;
      for (const [partition, list] of tapped) {
        const history = committed.get(partition) ?? [];
        for (const { offset, at } of list) {
          if (at < measureFrom || at >= started + total) continue;
          const visible = firstAfter(history, offset);
          if (visible === undefined) notVisible += 1;
          else freshness.push(visible - at);
        }
        list.length = 0;
      }
      const latencies = answers.map((answer) => answer.ms);
      const point: FreshnessPoint = {
        targetEventsPerSecond: rate,
        sentEventsPerSecond: round((sentEvents * 1000) / (sendingEnded - started)),
        measuredEvents: freshness.length + notVisible,
        p50Ms: round(quantile(freshness, 0.5)),
        p99Ms: round(quantile(freshness, 0.99)),
        maxMs: round(quantile(freshness, 1)),
        notVisible,
        drainMs: Math.max(0, drained - sendingEnded),
        ingestP99Ms: round(quantile(latencies, 0.99)),
        ingestErrors: answers.filter((answer) => !answer.ok).length,
        cores,
        slaBatches,
      };
      points.push(point);
      log(
        `freshness @ ${rate}/s: p50 ${point.p50Ms} ms, p99 ${point.p99Ms} ms, max ${point.maxMs} ms over ${point.measuredEvents} events ` +
          `(${point.notVisible} not visible, drained ${point.drainMs} ms after the last send, ${point.ingestErrors} ingest errors, ${posting} in flight); ` +
          `SLA batches ${JSON.stringify(slaBatches)}; CPU ${JSON.stringify(cores)}`,
      );
    }
    return {
      seconds: options.seconds,
      points,
      peakRssMiB: {
        ingest: Math.round((await ingest.stop()).peakRssMiB),
        processors: Math.round((await processors.stop()).peakRssMiB),
      },
    };
  } finally {
    polling = false;
    await poller;
    await tap.disconnect();
    await admin.disconnect();
    await pool.end();
    await ingest.stop();
    await processors.stop();
  }
}

interface BatchCounters {
  readonly at: number;
  readonly count: number;
  readonly seconds: number;
  readonly events: number;
}

/** The SLA processor's batch histograms (count, summed duration, summed size) from the processors' /metrics. */
async function scrapeBatches(url: string): Promise<BatchCounters> {
  const text = await fetch(`${url}/metrics`).then((response) => response.text());
  const value = (name: string) =>
    Number(new RegExp(`^${name}\\{processor="sla"\\} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    at: Date.now(),
    count: value('carestream_processor_batch_duration_seconds_count'),
    seconds: value('carestream_processor_batch_duration_seconds_sum'),
    events: value('carestream_processor_batch_size_sum'),
  };
}

function batchStats(before: BatchCounters | undefined, after: BatchCounters): SlaBatchStats {
  if (!before) return { perSecond: 0, meanEvents: 0, meanMs: 0, busy: 0 };
  const count = after.count - before.count;
  const window = (after.at - before.at) / 1000;
  return {
    perSecond: round(count / window, 1),
    meanEvents: count > 0 ? round((after.events - before.events) / count, 1) : 0,
    meanMs: count > 0 ? round(((after.seconds - before.seconds) * 1000) / count, 1) : 0,
    busy: round((after.seconds - before.seconds) / window, 2),
  };
}

/** The first poll at which the stored next offset was beyond `offset`. */
function firstAfter(history: readonly { at: number; next: number }[], offset: number): number | undefined {
  let low = 0;
  let high = history.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((history[mid]?.next ?? 0) > offset) high = mid;
    else low = mid + 1;
  }
  return history[low]?.at;
}

interface OpenConversation {
  readonly brandId: string;
  readonly channel: Channel;
  readonly conversationId: string;
  readonly at: number;
}

/**
 * Conversations waiting for a reply, oldest first, at most 100,000. A queue with a moving head: Array#shift on
 * 100,000 entries moves them all, which took a third of the sender's CPU at 10,000 events/s (CPU profile of
 * the bench process), CPU the pipeline it measures shares.
 */
class OpenConversations {
  private items: OpenConversation[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  oldest(): OpenConversation | undefined {
    return this.items[this.head];
  }

  push(conversation: OpenConversation): void {
    if (this.size < 100_000) this.items.push(conversation);
  }

  shift(): void {
    this.head += 1;
    if (this.head > 50_000) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

/** 70% mentions opening a conversation, 30% human replies to a conversation opened a second or more ago. */
function nextEvent(now: number, n: number, open: OpenConversations): MentionReceived | ReplySent {
  const oldest = open.oldest();
  if (n % 10 >= 7 && oldest && now - oldest.at >= 1_000) {
    open.shift();
    return {
      type: 'ReplySent',
      eventId: `fresh-reply-${n}`,
      brandId: oldest.brandId,
      channel: oldest.channel,
      conversationId: oldest.conversationId,
      messageId: `fresh-msg-${n}`,
      inReplyTo: null,
      agentId: `agent-${n % 7}`,
      sentAt: now,
      automated: false,
      private: false,
    };
  }
  const conversation = {
    brandId: `brand-${n % BRANDS}`,
    channel: CHANNELS[n % CHANNELS.length] ?? 'x',
    conversationId: `fresh-${n}`,
    at: now,
  };
  open.push(conversation);
  return {
    type: 'MentionReceived',
    eventId: `fresh-mention-${n}`,
    brandId: conversation.brandId,
    channel: conversation.channel,
    conversationId: conversation.conversationId,
    messageId: `fresh-msg-${n}`,
    authorId: `customer-${n % 5_000}`,
    receivedAt: now,
    kind: n % 3 === 0 ? 'complaint' : 'question',
    needsResponse: true,
    sentiment: null,
    authorFollowers: 100,
    private: false,
    text: null,
  };
}
