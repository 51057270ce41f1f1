import { isIPv6 } from 'node:net';
import { CareError } from '@carestream/errors';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Failed authentications an address may make per window, in both services unless set otherwise: far more than a
 * person mistyping a key makes, far fewer than guessing one needs.
 */
export const DEFAULT_AUTH_FAILURES = { limit: 20, windowMs: 600_000 } as const;

/** A key's budget after a look or a spend. */
export interface RateLimitState {
  /** Whether the request fits: it may go on. */
  readonly allowed: boolean;
  readonly limit: number;
  /** What is left of the budget in the key's current window. */
  readonly remaining: number;
  /** Seconds until the key's window ends and its budget is whole again (0 when no window is running). */
  readonly resetSeconds: number;
}

export interface RateLimiterOptions {
  /** The budget of one key for one window. */
  readonly limit: number;
  readonly windowMs: number;
  /** The service's clock (ms). */
  readonly clock: () => number;
  /** Keys remembered at most; beyond, the windows that started first are forgotten first. */
  readonly maxKeys?: number;
}

interface Window {
  readonly startMs: number;
  used: number;
}

/**
 * A budget of `limit` per key and window, on the service's clock: fixed windows, each starting at the key's first
 * count, so a key may spend its whole budget at once and has it whole again `windowMs` later. A count has a weight
 * (a batch of 10,000 events costs 10,000). Counts live in this process: each instance of a service counts alone.
 *
 * One mechanism for every limit of the services (requests per key, ingest items per key, failed authentications
 * per address), rather than @fastify/rate-limit, which counts every request as one on the wall clock and cannot
 * count only the requests that failed, nor weigh a batch by its items.
 *
 * Memory stays bounded: every window lasts `windowMs` and the map keeps them in the order they started, so the
 * expired ones are at its front and are dropped on every call; beyond `maxKeys` the oldest go first.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly options: RateLimiterOptions) {}

  get limit(): number {
    return this.options.limit;
  }

  get windowSeconds(): number {
    return Math.ceil(this.options.windowMs / 1000);
  }

  /** The key's state, spending nothing: allowed while some of its budget is left. */
  peek(key: string): RateLimitState {
    const now = this.options.clock();
    const window = this.current(key, now);
    return this.state(window, now, (window?.used ?? 0) < this.options.limit);
  }

  /** Spends `cost` of the key's budget if it fits in what is left; otherwise spends nothing and is not allowed. */
  take(key: string, cost = 1): RateLimitState {
    const now = this.options.clock();
    const window = this.current(key, now) ?? this.open(key, now);
    const allowed = window.used + cost <= this.options.limit;
    if (allowed) window.used += cost;
    return this.state(window, now, allowed);
  }

  /** Counts `cost` against the key whatever it comes to: for what has already happened (a failed authentication). */
  record(key: string, cost = 1): void {
    const now = this.options.clock();
    (this.current(key, now) ?? this.open(key, now)).used += cost;
  }

  private current(key: string, now: number): Window | undefined {
    for (const [oldest, window] of this.windows) {
      if (window.startMs + this.options.windowMs > now) break;
      this.windows.delete(oldest);
    }
    return this.windows.get(key);
  }

  private open(key: string, now: number): Window {
    const window = { startMs: now, used: 0 };
    this.windows.set(key, window);
    const max = this.options.maxKeys ?? 100_000;
    for (const oldest of this.windows.keys()) {
      if (this.windows.size <= max) break;
      this.windows.delete(oldest);
    }
    return window;
  }

  private state(window: Window | undefined, now: number, allowed: boolean): RateLimitState {
    const used = window?.used ?? 0;
    return {
      allowed,
      limit: this.options.limit,
      remaining: Math.max(0, this.options.limit - used),
      resetSeconds: window ? Math.ceil((window.startMs + this.options.windowMs - now) / 1000) : 0,
    };
  }
}

/**
 * Sends the key's budget (`x-ratelimit-limit`, `-remaining`, `-reset` in seconds) with the answer, and refuses the
 * request with 429 and `Retry-After` when it did not fit; `refusal` says what was counted, naming the limit.
 */
export function enforceRateLimit(reply: FastifyReply, state: RateLimitState, refusal: string): void {
  void reply.headers({
    'x-ratelimit-limit': state.limit,
    'x-ratelimit-remaining': state.remaining,
    'x-ratelimit-reset': state.resetSeconds,
  });
  if (!state.allowed) {
    throw new CareError('CARE_ERR_RATE_LIMITED', `${refusal}; retry in ${state.resetSeconds} s`, {
      field: 'authorization',
      retryAfterSeconds: state.resetSeconds,
    });
  }
}

/**
 * Failed authentications per client address, on the routes of `app`'s scope: once an address has had `limit`
 * answers of 401 within a window, every request it makes there gets 429 with `Retry-After` until the window ends,
 * before any key is looked at, so that keys cannot be guessed by trying many. A request that authenticates counts
 * nothing, so an address is held back only for its failures. Call it before the scope's authentication hooks.
 */
export function limitFailedAuthentications(app: FastifyInstance, failures: RateLimiter): void {
  app.addHook('onRequest', async (request) => {
    const state = failures.peek(addressKey(request.ip));
    if (!state.allowed) {
      throw new CareError(
        'CARE_ERR_RATE_LIMITED',
        `failed ${state.limit} times from this address within ${failures.windowSeconds} s; no key is checked ` +
          `from it until the window ends: retry in ${state.resetSeconds} s`,
        { field: 'authorization', retryAfterSeconds: state.resetSeconds },
      );
    }
  });
  // Every refusal of credentials answers 401 (the error handler's for CARE_ERR_UNAUTHORIZED, a webhook's for a bad
  // signature), so counting 401s counts them all, wherever they happen. onSend rather than onResponse: the failure
  // is counted before the client reads its answer, so a retry cannot slip in ahead of it.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401) failures.record(addressKey(request.ip));
    return payload;
  });
}

/**
 * What a client address is counted under: an IPv4 address (IPv4-mapped IPv6 included) as it is; an IPv6 address
 * by its /64, the block one host or customer network is given, so that a client cannot evade the count by moving
 * through the addresses of its own block.
 */
export function addressKey(ip: string): string {
  const address = ip.split('%')[0] ?? ip; // without a zone index (fe80::1%eth0)
  if (!isIPv6(address)) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  const [head = '', tail] = address.split('::');
  const groups = head === '' ? [] : head.split(':');
  if (tail !== undefined) {
    const tailGroups = tail === '' ? [] : tail.split(':');
    // A dotted IPv4 ending takes two groups.
    const tailLength = tailGroups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
    groups.push(...Array<string>(8 - groups.length - tailLength).fill('0'), ...tailGroups);
  }
  const prefix = groups.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}
