import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { kafkajsVersion, mendIdleRequestQueue, requestQueuePrototype } from './idle-request-queue.ts';

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
