import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AnswerCache } from './answer-cache.ts';
import { ApiMetrics } from './api-metrics.ts';

function cache(ttlMs: number, clock: () => number, maxEntries?: number) {
  return new AnswerCache<number>({
    name: 'test',
    ttlMs,
    clock,
    metrics: new ApiMetrics(new Registry()),
    ...(maxEntries === undefined ? {} : { maxEntries }),
  });
}

describe('AnswerCache', () => {
  it('given callers asking at once, when the answer is being computed, then it is computed once for all', async () => {
    const answers = cache(1000, () => 0);
    let computations = 0;
    let finish: (value: number) => void = () => undefined;
    const compute = () => {
      computations += 1;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const both = Promise.all([answers.get('k', compute), answers.get('k', compute)]);
    finish(42);
    expect(await both).toEqual([42, 42]);
    expect(computations).toBe(1);
  });

  it('given a kept answer, when its time is up, then it is computed again', async () => {
    let now = 0;
    const answers = cache(1000, () => now);
    let value = 1;
    const compute = () => Promise.resolve(value);
    expect(await answers.get('k', compute)).toBe(1);
    value = 2;
    now = 999;
    expect(await answers.get('k', compute)).toBe(1);
    now = 1000;
    expect(await answers.get('k', compute)).toBe(2);
  });

  it('given a failed computation, when asked again, then it is computed again rather than failing from the cache', async () => {
    const answers = cache(1000, () => 0);
    await expect(answers.get('k', () => Promise.reject(new Error('postgres away')))).rejects.toThrow(
      'postgres away',
    );
    expect(await answers.get('k', () => Promise.resolve(7))).toBe(7);
  });

  it('given a ttl of 0, when asked twice, then nothing is kept', async () => {
    const answers = cache(0, () => 0);
    let computations = 0;
    const compute = () => Promise.resolve(++computations);
    await answers.get('k', compute);
    expect(await answers.get('k', compute)).toBe(2);
  });

  it('given a computation longer than the lifetime, when asked meanwhile, then it is still computed once, and kept from when it was ready', async () => {
    let now = 0;
    const answers = cache(1000, () => now);
    let computations = 0;
    let finish: (value: number) => void = () => undefined;
    const slow = () => {
      computations += 1;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const first = answers.get('k', slow);
    now = 5000;
    const second = answers.get('k', slow);
    finish(1);
    expect([await first, await second]).toEqual([1, 1]);
    expect(computations).toBe(1);
    now = 5999;
    expect(await answers.get('k', () => Promise.resolve(2))).toBe(1);
    now = 6000;
    expect(await answers.get('k', () => Promise.resolve(2))).toBe(2);
  });

  it('given expired answers, when anything is asked, then they are dropped, not kept until the cache is full', async () => {
    let now = 0;
    const answers = cache(1000, () => now);
    for (const key of ['a', 'b', 'c']) await answers.get(key, () => Promise.resolve(1));
    expect(answers.size).toBe(3);
    now = 1000;
    await answers.get('d', () => Promise.resolve(1));
    expect(answers.size).toBe(1);
  });

  it('given a full cache, when a new question comes, then the oldest answer makes room', async () => {
    const answers = cache(1000, () => 0, 2);
    await answers.get('a', () => Promise.resolve(1));
    await answers.get('b', () => Promise.resolve(2));
    await answers.get('c', () => Promise.resolve(3));
    expect(answers.size).toBe(2);
    expect(await answers.get('a', () => Promise.resolve(-1))).toBe(-1);
    expect(await answers.get('c', () => Promise.resolve(-1))).toBe(3);
  });
});
