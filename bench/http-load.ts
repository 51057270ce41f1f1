// A fixed-rate, open-loop HTTP load generator: request i is due at start + i / rate whatever happened to the
// ones before it, and its latency counts from when it was due, so a slow server cannot hide its queueing by
// slowing the sender down (no coordinated omission).
import http from 'node:http';
import { quantile, round, sleep } from './stats.ts';

export interface LoadResult {
  readonly targetPerSecond: number;
  readonly sentPerSecond: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
  readonly statusCounts: Record<string, number>;
}

export async function fixedRateLoad(options: {
  readonly url: (i: number) => string;
  readonly headers: Record<string, string>;
  readonly perSecond: number;
  readonly seconds: number;
  /** Leading seconds left out of the figures (connections, JIT, caches). */
  readonly warmupSeconds: number;
  /**
   * A request not answered this long after it was due is abandoned and counted as an error (status
   * `timeout`), so that a saturated server's backlog cannot stretch a run for minutes. Default 20 s.
   */
  readonly timeoutMs?: number;
}): Promise<LoadResult> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(options.perSecond * (options.seconds + options.warmupSeconds));
  const warmup = Math.round(options.perSecond * options.warmupSeconds);
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const request = (i: number, due: number) =>
    new Promise<void>((resolve) => {
      let timedOut = false;
      const req = http.get(options.url(i), { agent, headers: options.headers }, (response) => {
        response.on('error', () => undefined);
        response.resume();
        response.on('end', () => {
          const status = String(response.statusCode ?? 0);
          if (i >= warmup) {
            latencies.push(performance.now() - due);
            statusCounts[status] = (statusCounts[status] ?? 0) + 1;
            if (response.statusCode !== 200) errors += 1;
          }
          resolve();
        });
      });
      const timer = setTimeout(
        () => {
          timedOut = true;
          if (i >= warmup) {
            statusCounts.timeout = (statusCounts.timeout ?? 0) + 1;
            errors += 1;
          }
          req.destroy(new Error('timed out'));
        },
        Math.max(0, due + timeoutMs - performance.now()),
      );
      req.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      req.on('error', () => {
        if (i >= warmup && !timedOut) errors += 1;
        resolve();
      });
    });
  // Send in small bursts every millisecond or so: timers cannot fire a thousand times a second precisely.
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && start + (i * 1000) / options.perSecond <= now) {
      const due = start + (i * 1000) / options.perSecond;
      const pending = request(i, due).finally(() => inFlight.delete(pending));
      inFlight.add(pending);
      i += 1;
    }
    await sleep(1);
  }
  const sentMs = performance.now() - start;
  await Promise.all(inFlight);
  agent.destroy();
  return {
    targetPerSecond: options.perSecond,
    sentPerSecond: round((total * 1000) / sentMs),
    requests: latencies.length,
    p50Ms: round(quantile(latencies, 0.5), 1),
    p90Ms: round(quantile(latencies, 0.9), 1),
    p99Ms: round(quantile(latencies, 0.99), 1),
    maxMs: round(quantile(latencies, 1), 1),
    errors,
    statusCounts,
  };
}
