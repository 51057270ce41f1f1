import { CareError } from '@carestream/errors';
import { describe, expect, it } from 'vitest';
import { GroupCommitter, type PendingBatch } from './group-commit.ts';

function batch(partition: number, events: number): PendingBatch<string> {
  return {
    topic: 'interactions',
    partition,
    records: Array.from({ length: events }, (_, i) => ({ offset: String(i), key: null, value: `e${i}` })),
    heartbeat: async () => undefined,
    nextOffset: String(events),
  };
}

/** A committer whose transactions are recorded (partitions per call) and finish when the test says so. */
function recordingCommitter(options: { concurrentTransactions: number; maxEvents: number }) {
  const calls: number[][] = [];
  const finishers: (() => void)[] = [];
  let failWith: Error | undefined;
  const committer = new GroupCommitter<string>({
    ...options,
    apply: async (batches) => {
      calls.push(batches.map((b) => b.partition));
      if (failWith !== undefined) throw failWith;
      await new Promise<void>((resolve) => finishers.push(resolve));
      return batches.map((b) => b.records.length);
    },
  });
  return {
    committer,
    calls,
    finishAll: () => finishers.splice(0).forEach((finish) => finish()),
    failNextWith: (error: Error) => {
      failWith = error;
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('given batches prepared together, when the last one joins, then one transaction applies them all and each learns its own count', async () => {
    const { committer, calls, finishAll } = recordingCommitter({
      concurrentTransactions: 2,
      maxEvents: 10_000,
    });
    const preparations = [0, 1, 2].map(() => committer.preparing());
    const a = committer.join(preparations[0]!, batch(0, 5));
    const b = committer.join(preparations[1]!, batch(1, 7));
    await turn();
    expect(calls).toEqual([]); // partition 2 is still being decoded
    const c = committer.join(preparations[2]!, batch(2, 1));
    await turn();
    expect(calls).toEqual([[0, 1, 2]]);
    finishAll();
    expect(await Promise.all([a, b, c])).toEqual([{ applied: 5 }, { applied: 7 }, { applied: 1 }]);
  });

  it('given a batch that gives up preparing (a fault), when the others wait, then they go without it', async () => {
    const { committer, calls, finishAll } = recordingCommitter({
      concurrentTransactions: 1,
      maxEvents: 10_000,
    });
    const slow = committer.preparing();
    const joined = committer.join(committer.preparing(), batch(0, 3));
    await turn();
    expect(calls).toEqual([]);
    slow.done();
    slow.done(); // idempotent: a handler may say it twice (joined, then failed)
    await turn();
    expect(calls).toEqual([[0]]);
    finishAll();
    expect(await joined).toEqual({ applied: 3 });
  });

  it('given more events than a transaction takes, when they wait, then a full group starts without waiting for the rest', async () => {
    const { committer, calls, finishAll } = recordingCommitter({ concurrentTransactions: 4, maxEvents: 100 });
    const still = committer.preparing();
    const joins = [
      committer.join(committer.preparing(), batch(0, 60)),
      committer.join(committer.preparing(), batch(1, 60)),
    ];
    await turn();
    expect(calls).toEqual([[0]]); // 120 events waited: over the 100 a transaction takes
    still.done();
    await turn();
    expect(calls).toEqual([[0], [1]]);
    finishAll();
    await Promise.all(joins);
  });

  it('given one transaction at a time, when another group waits, then it starts once the first has finished', async () => {
    const { committer, calls, finishAll } = recordingCommitter({
      concurrentTransactions: 1,
      maxEvents: 10_000,
    });
    const first = committer.join(committer.preparing(), batch(0, 1));
    await turn();
    const second = committer.join(committer.preparing(), batch(1, 1));
    const third = committer.join(committer.preparing(), batch(2, 1));
    await turn();
    expect(calls).toEqual([[0]]);
    finishAll();
    await first;
    await turn();
    await turn();
    expect(calls).toEqual([[0], [1, 2]]);
    finishAll();
    await Promise.all([second, third]);
  });

  it('given a large handover and free transactions, when it starts, then it is split into parts of about equal events', async () => {
    const { committer, calls, finishAll } = recordingCommitter({
      concurrentTransactions: 2,
      maxEvents: 100_000,
    });
    const sizes = [3_000, 1_000, 1_000, 900, 100];
    const joins = sizes.map((events, partition) =>
      committer.join(committer.preparing(), batch(partition, events)),
    );
    await turn();
    expect(calls).toHaveLength(2);
    const eventsOf = (partitions: number[]) => partitions.reduce((n, p) => n + (sizes[p] ?? 0), 0);
    expect(calls.map(eventsOf).sort((x, y) => x - y)).toEqual([3_000, 3_000]);
    finishAll();
    await Promise.all(joins);
  });

  it('given a transient fault, when the group fails, then every batch gets the fault to retry', async () => {
    const { committer, failNextWith } = recordingCommitter({ concurrentTransactions: 1, maxEvents: 10_000 });
    const away = Object.assign(new Error('connection terminated'), { code: '57P01' });
    failNextWith(away);
    const joins = [0, 1].map((p) => committer.join(committer.preparing(), batch(p, 2)));
    await expect(Promise.all(joins)).rejects.toBe(away);
    await expect(joins[1]).rejects.toBe(away);
  });

  it('given a fault retrying cannot cure, when the group fails, then each batch is told to go alone', async () => {
    const { committer, failNextWith } = recordingCommitter({ concurrentTransactions: 1, maxEvents: 10_000 });
    failNextWith(new CareError('CARE_ERR_APPLY', 'a value Postgres refuses'));
    const joins = [0, 1].map((p) => committer.join(committer.preparing(), batch(p, 2)));
    expect(await Promise.all(joins)).toEqual(['alone', 'alone']);
  });
});
