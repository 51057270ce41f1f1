import { simulateTraffic, type TrafficOptions } from './traffic.ts';

/** How many times the rate may be raised before giving up (each try generates up to `events` events). */
const MAX_TRIES = 30;

/**
 * The rate at which `events` events fall in `[startMs, endMs)`. How many events a window holds at a given
 * rate depends on the weekdays and hours it covers (replies wait for business hours, so a window ending on a
 * weekend holds fewer), so a rate worked out from the count and the span alone falls short on some days. The
 * generator is deterministic and a higher rate only compresses the same conversations in time, so the count
 * in the window grows with the rate: count what a rate yields and raise it until the count is reached.
 */
export function backfillRate(
  options: Omit<TrafficOptions, 'ratePerSecond' | 'endMs'> & {
    readonly endMs: number;
    readonly events: number;
  },
): number {
  if (!(options.events > 0) || !(options.endMs > options.startMs)) {
    throw new RangeError('a backfill needs a positive event count and a window that ends after it starts');
  }
  const spanSeconds = (options.endMs - options.startMs) / 1000;
  let rate = options.events / spanSeconds;
  for (let attempt = 0; attempt < MAX_TRIES; attempt += 1) {
    const reached = eventsInWindow({ ...options, ratePerSecond: rate }, options.events);
    if (reached >= options.events) return rate;
    rate *= Math.max(1.05, (1.02 * options.events) / Math.max(reached, 1));
  }
  throw new RangeError(`no rate puts ${options.events} events in a window of ${spanSeconds} s`);
}

function eventsInWindow(options: TrafficOptions, atMost: number): number {
  let count = 0;
  for (const _event of simulateTraffic(options)) {
    count += 1;
    if (count >= atMost) break;
  }
  return count;
}
