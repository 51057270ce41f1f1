import type { SlaChangeDerived } from '@carestream/contract';
import type { EventCodec } from '@carestream/kafka';
import type { Pool } from '@carestream/postgres';
import { logLine } from '@carestream/processor-runtime';
import type { Producer } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import { useGeneration } from './projection-generation.ts';

// One relay at a time across instances, so a conversation's derived events reach the topic in order.
const RELAY_LOCK = 0x63617265; // "care"
/** Derived events read, published and deleted per transaction. */
const BATCH_SIZE = 2_000;

export interface OutboxRelayOptions {
  readonly pool: Pool;
  readonly producer: Producer;
  readonly codec: EventCodec;
  readonly topic: string;
  readonly registry: Registry;
  readonly intervalMs?: number;
}

export interface RunningRelay {
  /** Publishes what is pending now; resolves with how many were published. */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Publishes the derived events the SLA processor wrote to its outbox (in the same transaction as the
 * projection changes), then deletes them: at-least-once, in order. A crash between publish and delete
 * publishes the same tail again, which the churn projection absorbs (it sets slots, last one wins).
 */
export function startOutboxRelay(options: OutboxRelayOptions): RunningRelay {
  const published = new Counter({
    name: 'carestream_outbox_published_total',
    help: 'Derived events published from the SLA outbox to the sla-derived topic.',
    registers: [options.registry],
  });
  const pending = new Gauge({
    name: 'carestream_outbox_pending',
    help: 'Derived events waiting in the SLA outbox (an upper bound: the span of the ids left).',
    registers: [options.registry],
  });
  let stopped = false;
  let running: Promise<number> | null = null;

  async function relayOnce(): Promise<number> {
    const client = await options.pool.connect();
    try {
      await client.query('begin');
      const { rows: locked } = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_xact_lock($1) as ok',
        [RELAY_LOCK],
      );
      if (!locked[0]?.ok) {
        await client.query('rollback');
        return 0;
      }
      await useGeneration(client, 'sla');
      const { rows } = await client.query<{ id: number; message_key: string; payload: SlaChangeDerived }>(
        'select id, message_key, payload from derived_outbox order by id limit $1',
        [BATCH_SIZE],
      );
      if (rows.length > 0) {
        const messages = await Promise.all(
          rows.map(async (row) => ({ key: row.message_key, value: await options.codec.encode(row.payload) })),
        );
        await options.producer.send({ topic: options.topic, acks: -1, messages });
        // Exactly the rows read: a lower id whose transaction commits after our read (instances and concurrent
        // partitions commit out of id order) is still pending, and goes out with the next read.
        await client.query('delete from derived_outbox where id = any($1::bigint[])', [
          rows.map((row) => row.id),
        ]);
        published.inc(rows.length);
      }
      // A read shorter than the batch saw every row committed by then, all now published: nothing is left to
      // count. Only a full batch leaves rows behind (the next read, right after, takes them).
      if (rows.length < BATCH_SIZE) pending.set(0);
      else {
        // The span of the ids left, read from both ends of the primary key: a count(*) would scan the whole
        // backlog after every batch, which made a long catch-up quadratic. Ids skipped by rolled-back
        // transactions make it an upper bound.
        const { rows: left } = await client.query<{ n: number | null }>(
          'select (max(id) - min(id) + 1)::int as n from derived_outbox',
        );
        pending.set(left[0]?.n ?? 0);
      }
      await client.query('commit');
      return rows.length;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async function flush(): Promise<number> {
    while (running) await running.catch(() => undefined);
    running = (async () => {
      let total = 0;
      for (;;) {
        const n = await relayOnce();
        total += n;
        if (n < BATCH_SIZE) return total;
      }
    })();
    try {
      return await running;
    } finally {
      running = null;
    }
  }

  const timer = setInterval(() => {
    if (stopped || running) return;
    flush().catch((error: unknown) =>
      logLine({
        level: 'warn',
        component: 'outbox-relay',
        message: 'relay failed; will retry',
        error: String(error),
      }),
    );
  }, options.intervalMs ?? 250);

  return {
    flush,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      while (running) await running.catch(() => undefined);
    },
  };
}
