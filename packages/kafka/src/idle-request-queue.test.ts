import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKafka } from './kafka-client.ts';
import {
  kafkajsVersion,
  mendIdleRequestQueue,
  requestQueuePrototype,
  scheduleCheckOfPendingRequests,
} from './idle-request-queue.ts';

/** A request queue's state as the mended method sees it, without a broker. */
function queue(state: { pending: unknown[]; throttledUntil: number }) {
  const prototype = requestQueuePrototype();
  return Object.assign(Object.create(prototype) as ReturnType<typeof requestQueuePrototype>, {
    ...state,
    throttleCheckTimeoutId: null,
    checkPendingRequests: vi.fn(),
  });
}

describe('the mend of kafkajs request queue timers', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  // First in this file, whose module graph vitest isolates: nothing else here has mended the class yet, so only
  // the import of kafka-client.ts above can have.
  it('is installed by loading the Kafka client module, in the request queue its connections use', () => {
    createKafka({ brokers: '127.0.0.1:1', clientId: 'mend-test' });
    // kafkajs' own Connection class, as its clients construct it (no socket is opened by the constructor).
    const require = createRequire(import.meta.url);
    const Connection = require('kafkajs/src/network/connection.js') as new (options: object) => {
      requestQueue: { scheduleCheckPendingRequests: unknown };
    };
    const silent = {
      namespace: () => silent,
      info: () => {},
      warn: () => {},
      error: () => {},
      debug: () => {},
    };
    const connection = new Connection({
      host: '127.0.0.1',
      port: 1,
      logger: silent,
      socketFactory: () => null,
    });
    expect(connection.requestQueue.scheduleCheckPendingRequests).toBe(scheduleCheckOfPendingRequests);
  });

  it('is installed for the kafkajs version this project depends on', () => {
    expect(
      mendIdleRequestQueue(),
      `kafkajs ${kafkajsVersion()}: check whether its request queue still loops`,
    ).toBe(true);
  });

  it('given nothing pending, when the queue schedules its check, then no timer is armed', () => {
    mendIdleRequestQueue();
    const idle = queue({ pending: [], throttledUntil: -1 });
    idle.scheduleCheckPendingRequests();
    expect(vi.getTimerCount()).toBe(0);
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('given a pending request under a throttle, when the queue schedules its check, then it checks when the throttle ends', () => {
    mendIdleRequestQueue();
    const throttled = queue({ pending: [{}], throttledUntil: Date.now() + 250 });
    throttled.scheduleCheckPendingRequests();
    throttled.scheduleCheckPendingRequests();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(249);
    expect(throttled.checkPendingRequests).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(throttled.checkPendingRequests).toHaveBeenCalledTimes(1);
    expect(throttled.throttleCheckTimeoutId).toBeNull();
  });

  it('given a pending request and a throttle already over, when the queue schedules its check, then it checks soon', () => {
    mendIdleRequestQueue();
    const waiting = queue({ pending: [{}], throttledUntil: Date.now() - 5 });
    waiting.scheduleCheckPendingRequests();
    vi.advanceTimersByTime(10);
    expect(waiting.checkPendingRequests).toHaveBeenCalledTimes(1);
  });
});
