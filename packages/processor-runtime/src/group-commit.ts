import type { PartitionBatch } from './processor-runtime.ts';
import { isTransientFault } from './transient-faults.ts';

/** A decoded partition batch with the offset to store once it is applied. */
export interface PendingBatch<T> extends PartitionBatch<T> {
  readonly nextOffset: string;
}

/**
 * What became of a batch's group: applied (how many of its records were new), or 'alone' when the group's
 * transaction failed for a reason retrying cannot cure; the batch is then applied on its own, where a poison
 * event can be found and dead-lettered without holding up the other partitions.
 */
export type GroupOutcome = { readonly applied: number } | 'alone';

/** A batch on its way to join (being decoded): no group starts while one is, unless the group is full. */
export interface Preparation {
  /** Idempotent: the batch joined, or gave up (a fault) and will prepare again. */
  done(): void;
}

// A group of fewer events than twice this is not split: its transaction is short anyway.
const SPLIT_ABOVE_EVENTS = 1_000;

interface Waiting<T> {
  readonly batch: PendingBatch<T>;
  readonly resolve: (outcome: GroupOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for partition batches: the batches that wait at the same time share one transaction. A group
 * starts when no other batch is being prepared (kafkajs has handed over every partition of the fetch), or when
 * it holds `maxEvents`; at most `concurrentTransactions` run at once, and while they run the next group gathers.
 * At live rates a fetch of every partition becomes one transaction instead of one per partition; in catch-up,
 * a few large ones run side by side. Transient faults reject every batch of the group (their handlers retry).
 */
export class GroupCommitter<T> {
  readonly #waiting: Waiting<T>[] = [];
  #waitingEvents = 0;
  #preparing = 0;
  #running = 0;
  #scheduled = false;

  constructor(
    private readonly options: {
      readonly concurrentTransactions: number;
      readonly maxEvents: number;
      /** One transaction for the group; how many records of each batch it applied. */
      readonly apply: (batches: readonly PendingBatch<T>[]) => Promise<readonly number[]>;
    },
  ) {}

  preparing(): Preparation {
    this.#preparing += 1;
    let open = true;
    return {
      done: () => {
        if (!open) return;
        open = false;
        this.#preparing -= 1;
        this.#schedule();
      },
    };
  }

  /** Waits for the batch's group to commit (or fail). */
  join(preparation: Preparation, batch: PendingBatch<T>): Promise<GroupOutcome> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ batch, resolve, reject });
      this.#waitingEvents += batch.records.length;
      preparation.done();
    });
  }

  // On the next turn of the event loop: handlers that kafkajs started together have all begun preparing by then.
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (
      this.#waiting.length > 0 &&
      this.#running < this.options.concurrentTransactions &&
      (this.#preparing === 0 || this.#waitingEvents >= this.options.maxEvents)
    ) {
      for (const group of this.#take()) {
        this.#running += 1;
        void this.#commit(group).finally(() => {
          this.#running -= 1;
          this.#schedule();
        });
      }
    }
  }

  /**
   * The groups to start now, from the oldest waiting batches up to maxEvents. What kafkajs hands over at once
   * (a fetch of every partition; it fetches again once all are done) is split over the free transactions when
   * it is large, so that Node folds one part while PostgreSQL writes another; a small one stays whole (one
   * transaction is cheapest, and soon done).
   */
  #take(): Waiting<T>[][] {
    let count = 0;
    let events = 0;
    for (const { batch } of this.#waiting) {
      if (count > 0 && events + batch.records.length > this.options.maxEvents) break;
      count += 1;
      events += batch.records.length;
    }
    this.#waitingEvents -= events;
    const taken = this.#waiting.splice(0, count);
    const parts = Math.max(
      1,
      Math.min(
        this.options.concurrentTransactions - this.#running,
        taken.length,
        Math.floor(events / SPLIT_ABOVE_EVENTS),
      ),
    );
    if (parts === 1) return [taken];
    // Largest batch first into the lightest part: parts of about equal events.
    const groups = Array.from({ length: parts }, () => ({ events: 0, batches: [] as Waiting<T>[] }));
    for (const waiting of [...taken].sort((a, b) => b.batch.records.length - a.batch.records.length)) {
      const lightest = groups.reduce((min, group) => (group.events < min.events ? group : min));
      lightest.batches.push(waiting);
      lightest.events += waiting.batch.records.length;
    }
    return groups.map((group) => group.batches);
  }

  async #commit(group: readonly Waiting<T>[]): Promise<void> {
    try {
      const applied = await this.options.apply(group.map(({ batch }) => batch));
      group.forEach(({ resolve }, i) => resolve({ applied: applied[i] ?? 0 }));
    } catch (error) {
      for (const { resolve, reject } of group) {
        if (isTransientFault(error)) reject(error);
        else resolve('alone');
      }
    }
  }
}
