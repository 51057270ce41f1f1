import { CareError } from '@carestream/errors';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerErrorHandler } from './http-plugins.ts';
import { addressKey, enforceRateLimit, limitFailedAuthentications, RateLimiter } from './rate-limit.ts';

const START = Date.parse('2026-05-04T10:00:00Z');

describe('RateLimiter', () => {
  it('given a budget, when spent in weighted takes, then what does not fit is refused and spends nothing', () => {
    let now = START;
    const limiter = new RateLimiter({ limit: 100, windowMs: 60_000, clock: () => now });
    expect(limiter.take('k', 60)).toEqual({ allowed: true, limit: 100, remaining: 40, resetSeconds: 60 });
    now += 15_000;
    expect(limiter.take('k', 50)).toEqual({ allowed: false, limit: 100, remaining: 40, resetSeconds: 45 });
    expect(limiter.take('k', 40)).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.peek('k')).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 45 });
  });

  it('given a spent budget, when its window has passed, then the key has it whole again', () => {
    let now = START;
    const limiter = new RateLimiter({ limit: 2, windowMs: 60_000, clock: () => now });
    limiter.take('k');
    limiter.take('k');
    now += 59_999;
    expect(limiter.take('k').allowed).toBe(false);
    now += 1;
    expect(limiter.take('k')).toEqual({ allowed: true, limit: 2, remaining: 1, resetSeconds: 60 });
  });

  it('given two keys, when one spends its budget, then the other keeps its own', () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, clock: () => START });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('given recorded failures, when they pass the limit, then peek refuses without counting itself', () => {
    const limiter = new RateLimiter({ limit: 2, windowMs: 60_000, clock: () => START });
    expect(limiter.peek('a')).toEqual({ allowed: true, limit: 2, remaining: 2, resetSeconds: 0 });
    limiter.record('a');
    expect(limiter.peek('a').allowed).toBe(true);
    limiter.record('a');
    limiter.record('a');
    expect(limiter.peek('a')).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 60 });
  });

  it('given more keys than it keeps, when another comes, then the oldest window is forgotten', () => {
    let now = START;
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000, clock: () => now, maxKeys: 2 });
    for (const key of ['a', 'b', 'c']) {
      limiter.take(key);
      now += 1;
    }
    expect(limiter.peek('a').allowed).toBe(true);
    expect(limiter.peek('b').allowed).toBe(false);
    expect(limiter.peek('c').allowed).toBe(false);
  });
});

describe('addressKey', () => {
  it('counts IPv4 addresses as they are and IPv6 ones by their /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:aa:bb:1:2:3:4')).toBe('2001:db8:aa:bb::/64');
    expect(addressKey('2001:0db8:00aa:00bb::9')).toBe('2001:db8:aa:bb::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:db8:0:0:ffff::1')).toBe(addressKey('2001:db8::2'));
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});

describe('limitFailedAuthentications', () => {
  const LIMIT = 3;
  const WINDOW_MS = 600_000;
  let app: FastifyInstance | undefined;
  let now = START;

  afterEach(async () => {
    await app?.close();
    now = START;
  });

  /** A route that accepts "Bearer good" and answers 401 to anything else, behind the limit; /healthz outside. */
  async function buildApp(): Promise<FastifyInstance> {
    const built = Fastify();
    registerErrorHandler(built);
    built.get('/healthz', async () => ({ status: 'ok' }));
    const failures = new RateLimiter({ limit: LIMIT, windowMs: WINDOW_MS, clock: () => now });
    await built.register(async (scope) => {
      limitFailedAuthentications(scope, failures);
      scope.get('/v1/thing', async (request) => {
        if (request.headers.authorization !== 'Bearer good') {
          throw new CareError('CARE_ERR_UNAUTHORIZED', 'is not a valid API key', { field: 'authorization' });
        }
        return { ok: true };
      });
    });
    app = built;
    return built;
  }

  const call = (target: FastifyInstance, key: string, remoteAddress = '198.51.100.1') =>
    target.inject({ url: '/v1/thing', remoteAddress, headers: { authorization: `Bearer ${key}` } });

  it('given N failed authentications from an address, when it tries again, then 429 with Retry-After before any key is checked', async () => {
    const target = await buildApp();
    for (let i = 0; i < LIMIT; i++) expect((await call(target, `guess-${i}`)).statusCode).toBe(401);
    now += 100_000;
    for (const key of ['guess-next', 'good']) {
      const refused = await call(target, key);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBe('500');
      expect(refused.json()).toEqual({
        error: {
          code: 'CARE_ERR_RATE_LIMITED',
          field: 'authorization',
          message:
            'failed 3 times from this address within 600 s; no key is checked from it until the window ends: ' +
            'retry in 500 s',
        },
      });
    }
    // Routes outside the scope (probes) are not held back.
    expect((await target.inject({ url: '/healthz', remoteAddress: '198.51.100.1' })).statusCode).toBe(200);
  });

  it('given a blocked address, when the window has passed, then it may try again', async () => {
    const target = await buildApp();
    for (let i = 0; i < LIMIT; i++) await call(target, `guess-${i}`);
    now += WINDOW_MS - 1;
    expect((await call(target, 'good')).statusCode).toBe(429);
    now += 1;
    expect((await call(target, 'good')).statusCode).toBe(200);
    expect((await call(target, 'guess-again')).statusCode).toBe(401);
  });

  it('given failures from one address, when another address calls, then it has its own count', async () => {
    const target = await buildApp();
    for (let i = 0; i < LIMIT; i++) await call(target, `guess-${i}`, '198.51.100.1');
    expect((await call(target, 'good', '198.51.100.1')).statusCode).toBe(429);
    expect((await call(target, 'good', '198.51.100.2')).statusCode).toBe(200);
    expect((await call(target, 'guess', '198.51.100.2')).statusCode).toBe(401);
    // An IPv6 client is counted by its /64: another address of the same block shares the count.
    for (let i = 0; i < LIMIT; i++) await call(target, `guess-${i}`, '2001:db8:1:2::a');
    expect((await call(target, 'good', '2001:db8:1:2::b')).statusCode).toBe(429);
    expect((await call(target, 'good', '2001:db8:1:3::a')).statusCode).toBe(200);
  });

  it('given successful requests between failures, when counted, then only the failures count', async () => {
    const target = await buildApp();
    for (let i = 0; i < LIMIT - 1; i++) {
      expect((await call(target, `guess-${i}`)).statusCode).toBe(401);
      for (let j = 0; j < 10; j++) expect((await call(target, 'good')).statusCode).toBe(200);
    }
    expect((await call(target, 'good')).statusCode).toBe(200);
  });
});

describe('enforceRateLimit', () => {
  it('given a request over its key’s budget, when enforced, then 429 with Retry-After and the budget headers', async () => {
    const app = Fastify();
    registerErrorHandler(app);
    const perKey = new RateLimiter({ limit: 10, windowMs: 60_000, clock: () => START });
    app.post<{ Body: { items: number } }>('/v1/events', async (request, reply) => {
      enforceRateLimit(reply, perKey.take('key-1', request.body.items), 'has sent too many items');
      return { accepted: request.body.items };
    });
    const send = (items: number) => app.inject({ method: 'POST', url: '/v1/events', payload: { items } });
    const first = await send(8);
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({
      'x-ratelimit-limit': '10',
      'x-ratelimit-remaining': '2',
      'x-ratelimit-reset': '60',
    });
    const refused = await send(3);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '60', 'x-ratelimit-remaining': '2' });
    expect(refused.json().error).toEqual({
      code: 'CARE_ERR_RATE_LIMITED',
      field: 'authorization',
      message: 'has sent too many items; retry in 60 s',
    });
    await app.close();
  });
});
