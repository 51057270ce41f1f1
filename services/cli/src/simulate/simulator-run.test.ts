import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clockCases } from '@carestream/test-support/fixed-clocks';
import { generateBrands } from '@carestream/simulator';
import { afterAll, describe, expect, it } from 'vitest';
import { runSimulation, timeWindow, type SimulateOptions } from './simulator-run.ts';
import { CapturedOutput } from '../captured-output.fixture.ts';

interface Request {
  readonly lines: Record<string, unknown>[];
  readonly at: number;
}

/** A fake ingest: accepts everything, answers 503 once on the second request, records what it got. */
function fakeIngest(clock: () => number = Date.now) {
  const requests: Request[] = [];
  let calls = 0;
  const fakeFetch = (async (_url: string, init: RequestInit) => {
    calls += 1;
    if (calls === 2) return new Response('{"error":{"message":"Kafka is down"}}', { status: 503 });
    const lines = (typeof init.body === 'string' ? init.body : '')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    requests.push({ lines, at: clock() });
    return new Response(JSON.stringify({ accepted: lines.length, duplicates: 0, errors: [] }), {
      status: 202,
    });
  }) as unknown as typeof globalThis.fetch;
  return { fetch: fakeFetch, requests };
}

const base: SimulateOptions = {
  seed: 42,
  brands: 30,
  mode: 'backfill',
  rate: 20,
  url: 'http://ingest.test',
  apiKey: 'key',
  batchSize: 500,
  maxRetries: 3,
  progress: true,
  progressIntervalMs: 0,
};

describe('runSimulation', () => {
  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it.each(clockCases())(
    'on $name: sends the profiles first, then time-ordered batches of 500, never an event in the future, and the truth',
    async ({ clock: wallClock }) => {
      // Each reading moves 100 ms on, so the progress line is due between batches however fast they go.
      let readings = 0;
      const clock = () => wallClock() + 100 * (readings += 1);
      const directory = await mkdtemp(join(tmpdir(), 'cs-sim-'));
      directories.push(directory);
      const ingest = fakeIngest(clock);
      const stdout = new CapturedOutput();
      const stderr = new CapturedOutput();
      const truthFile = join(directory, 'truth.json');
      const startedAt = clock();
      const summary = await runSimulation(
        { ...base, events: 2200, days: 1, truthFile },
        { stdout, stderr, fetch: ingest.fetch, backoffMs: () => 1, clock },
      );
      expect(summary).toMatchObject({ sent: 2200, accepted: 2200, rejected: 0, profiles: 30, batches: 5 });
      expect(summary.stoppedBecause).toBe('events');
      expect(stderr.text).toMatch(/answered 503: Kafka is down; retry 1\/3/);
      expect(stdout.text).toMatch(/simulate backfill: [\d,]+ events sent/);

      const [profiles, ...batches] = ingest.requests;
      expect(profiles?.lines.every((line) => line.type === 'brand_profile')).toBe(true);
      expect(profiles?.lines).toHaveLength(30);
      expect(batches.map((batch) => batch.lines.length)).toEqual([500, 500, 500, 500, 200]);
      const times = batches.flatMap((batch) =>
        batch.lines.map((line) => Date.parse(String(line.receivedAt ?? line.sentAt ?? line.publishedAt))),
      );
      expect(times.every((time, i) => i === 0 || time >= (times[i - 1] ?? 0))).toBe(true);
      const lastRequest = batches.at(-1)?.at ?? 0;
      expect(Math.max(...times)).toBeLessThanOrEqual(lastRequest);

      const truth = JSON.parse(await readFile(truthFile, 'utf8')) as {
        sent: { events: number; mentions: number; replies: number; brandPosts: number };
        total: {
          needingResponse: number;
          humanReplies: number;
          automatedReplies: number;
          brandPosts: number;
        };
        byBrandChannel: { brandId: string; channel: string; needingResponse: number }[];
        brands: { brandId: string; industry: string }[];
      };
      const sentTypes = (type: string) =>
        batches.flatMap((b) => b.lines).filter((l) => l.type === type).length;
      expect(truth.sent).toEqual({
        profiles: 30,
        events: 2200,
        mentions: sentTypes('mention'),
        replies: sentTypes('reply'),
        brandPosts: sentTypes('brand_post'),
      });
      expect(truth.total.brandPosts).toBe(sentTypes('brand_post'));
      expect(truth.total.humanReplies + truth.total.automatedReplies).toBe(sentTypes('reply'));
      const needing = batches
        .flatMap((b) => b.lines)
        .filter(
          (l) =>
            l.type === 'mention' &&
            (l.kind === 'question' || l.kind === 'complaint') &&
            !String(l.authorId).endsWith('-official') &&
            !String(l.authorId).endsWith('-support'),
        ).length;
      expect(truth.total.needingResponse).toBe(needing);
      expect(truth.brands).toHaveLength(30);
      // The day before the run, whatever weekday and hour it ends on.
      expect(Math.min(...times)).toBeGreaterThanOrEqual(startedAt - 86_400_000);
    },
  );

  it('sends the same events for the same seed', async () => {
    const a = fakeIngest();
    const b = fakeIngest();
    const io = { stdout: new CapturedOutput(), stderr: new CapturedOutput(), backoffMs: () => 1 };
    const options = {
      ...base,
      mode: 'fast' as const,
      startMs: Date.UTC(2026, 0, 1),
      events: 700,
      runId: 'fixed',
    };
    await runSimulation(options, { ...io, fetch: a.fetch });
    await runSimulation(options, { ...io, fetch: b.fetch });
    expect(b.requests.map((r) => r.lines)).toEqual(a.requests.map((r) => r.lines));
  });

  it('paces realtime events at their time and stops at the duration', async () => {
    const ingest = fakeIngest();
    const started = Date.now();
    const summary = await runSimulation(
      { ...base, mode: 'realtime', rate: 50, durationSeconds: 2.5 },
      { stdout: new CapturedOutput(), stderr: new CapturedOutput(), fetch: ingest.fetch, backoffMs: () => 1 },
    );
    expect(summary.stoppedBecause).toBe('duration');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2400);
    expect(summary.sent).toBeGreaterThan(20);
    expect(summary.sent).toBeLessThan(400);
    for (const request of ingest.requests.slice(1)) {
      for (const line of request.lines) {
        const at = Date.parse(String(line.receivedAt ?? line.sentAt ?? line.publishedAt));
        expect(at).toBeGreaterThanOrEqual(started);
        expect(at).toBeLessThanOrEqual(request.at);
      }
    }
  });

  it('stops at once, sending what it gathered, when interrupted', async () => {
    const ingest = fakeIngest();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const summary = await runSimulation(
      { ...base, mode: 'realtime', rate: 50 },
      {
        stdout: new CapturedOutput(),
        stderr: new CapturedOutput(),
        fetch: ingest.fetch,
        backoffMs: () => 1,
        signal: controller.signal,
      },
    );
    expect(summary.stoppedBecause).toBe('interrupted');
    expect(summary.seconds).toBeLessThan(2);
    expect(summary.accepted).toBe(summary.sent);
  });
});

describe('timeWindow', () => {
  const now = Date.UTC(2026, 5, 1);
  const brands = generateBrands(30);
  const window = (options: Omit<Parameters<typeof timeWindow>[0], 'seed'>, at = now) =>
    timeWindow({ seed: 42, ...options }, at, brands);
  it('realtime starts now; fast starts a day ago by default', () => {
    expect(window({ mode: 'realtime', rate: 20 })).toEqual({ startMs: now, endMs: undefined, rate: 20 });
    expect(window({ mode: 'fast', rate: 20 })).toEqual({
      startMs: now - 86_400_000,
      endMs: undefined,
      rate: 20,
    });
    expect(() => window({ mode: 'fast', rate: 20, startMs: now + 1 })).toThrow(/future/);
  });

  it('backfill covers --days back from now, at --rate without --events', () => {
    expect(window({ mode: 'backfill', rate: 20, days: 2 })).toEqual({
      startMs: now - 2 * 86_400_000,
      endMs: now,
      rate: 20,
    });
  });

  it.each(clockCases())(
    'on $name: backfill with --events picks a rate that puts at least that many events in the window',
    ({ clock }) => {
      const at = clock();
      const { startMs, endMs, rate } = window({ mode: 'backfill', rate: 20, days: 1, events: 3000 }, at);
      expect([startMs, endMs]).toEqual([at - 86_400_000, at]);
      // The count alone would say 3000 / 86,400 s; the traffic shape of the day decides how much more it takes.
      expect(rate).toBeGreaterThanOrEqual(3000 / 86_400);
      expect(rate).toBeLessThan((2 * 3000) / 86_400);
    },
  );
});
