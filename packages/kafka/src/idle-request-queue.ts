// kafkajs 2.2.4, its latest release, re-arms a timer on each broker connection's request queue after every check
// of its pending requests, also when none is pending; the delay is then `throttledUntil - now`, which is negative
// when no throttle is in force, so the timer fires again at once: about a thousand wake-ups a second per
// connection for as long as the client lives (kafkajs issue 1556, unfixed upstream). An idle processors instance
// spent 0.065 cores with it and 0.025–0.027 without. The timer serves pending requests only (a response or a timed-out
// request checks the queue itself), so the mend arms it only when one is pending.
import { createRequire } from 'node:module';

/** The parts of kafkajs' RequestQueue (src/network/requestQueue/index.js) the mend reads and replaces. */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** The kafkajs versions whose request queue has the loop and the fields above. */
const MENDED_VERSIONS: readonly string[] = ['2.2.4'];
/** kafkajs' own delay for a check whose throttle has already ended. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

const require = createRequire(import.meta.url);

export function kafkajsVersion(): string {
  return (require('kafkajs/package.json') as { version: string }).version;
}

export function requestQueuePrototype(): RequestQueueInternals {
  return (require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals })
    .prototype;
}

/** The replacement of `RequestQueue.prototype.scheduleCheckPendingRequests`. */
export function scheduleCheckOfPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId !== null || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

/**
 * Replaces the request queue's scheduling in the installed kafkajs, once per process, if it is a version known to
 * loop; returns whether the installed version is mended (a unit test fails when kafkajs changes, to look again).
 */
export function mendIdleRequestQueue(): boolean {
  if (!MENDED_VERSIONS.includes(kafkajsVersion())) return false;
  requestQueuePrototype().scheduleCheckPendingRequests = scheduleCheckOfPendingRequests;
  return true;
}
