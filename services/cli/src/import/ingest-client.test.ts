import { describe, expect, it } from 'vitest';
import { IngestClient, retryAfterMs, type RetryNotice } from './ingest-client.ts';

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

function fakeFetch(answers: Answer[]) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    requests.push({ url, init });
    const answer = answers.shift();
    if (!answer) throw new Error('no more answers');
    if (answer instanceof Error) throw answer;
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: answer.headers ?? {},
    });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}

function client(answers: Answer[], maxRetries = 3, clock?: () => number) {
  const { fetch, requests } = fakeFetch(answers);
  const sleeps: number[] = [];
  const retries: RetryNotice[] = [];
  const ingest = new IngestClient({
    url: 'http://ingest.test:8080',
    apiKey: 'cs_key',
    maxRetries,
    fetch,
    sleep: async (ms) => void sleeps.push(ms),
    backoffMs: (attempt) => attempt * 100,
    onRetry: (notice) => retries.push(notice),
    ...(clock ? { clock } : {}),
  });
  return { ingest, requests, sleeps, retries };
}

const accepted = { status: 202, body: { accepted: 2, duplicates: 0, rejected: 0, errors: [] } };

describe('ingest client', () => {
  it('reads a Retry-After date against its own clock, not the wall clock', async () => {
    const now = Date.parse('2028-02-29T23:59:50Z');
    const { ingest, sleeps } = client(
      [{ status: 503, headers: { 'retry-after': 'Tue, 01 Mar 2028 00:00:02 GMT' } }, accepted],
      3,
      () => now,
    );
    await ingest.sendBatch(['{"a":1}']);
    expect(sleeps).toEqual([12_000]);
  });

  it('posts the batch as NDJSON with the key', async () => {
    const { ingest, requests } = client([accepted]);
    expect(await ingest.sendBatch(['{"a":1}', '{"b":2}'])).toEqual({
      accepted: 2,
      duplicates: 0,
      errors: [],
    });
    expect(requests[0]?.url).toBe('http://ingest.test:8080/v1/events');
    expect(requests[0]?.init.body).toBe('{"a":1}\n{"b":2}\n');
    expect(requests[0]?.init.headers).toMatchObject({
      authorization: 'Bearer cs_key',
      'content-type': 'application/x-ndjson',
    });
  });

  it('returns the per-item errors of a 202 and of a 400 where every item was invalid', async () => {
    const errors = [{ index: 1, field: 'channel', message: 'must be one of x' }];
    const { ingest } = client([
      { status: 202, body: { accepted: 1, duplicates: 0, rejected: 1, errors } },
      { status: 400, body: { error: { code: 'CARE_ERR_VALIDATION' }, accepted: 0, rejected: 1, errors } },
    ]);
    expect(await ingest.sendBatch(['a', 'b'])).toEqual({ accepted: 1, duplicates: 0, errors });
    expect(await ingest.sendBatch(['a', 'b'])).toEqual({ accepted: 0, duplicates: 0, errors });
  });

  it('retries 503 after Retry-After, and network errors with backoff', async () => {
    const { ingest, sleeps, retries } = client([
      { status: 503, body: { error: { message: 'Kafka is unavailable' } }, headers: { 'retry-after': '5' } },
      new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }),
      accepted,
    ]);
    expect((await ingest.sendBatch(['x'])).accepted).toBe(2);
    expect(sleeps).toEqual([5000, 200]);
    expect(retries.map((notice) => notice.reason)).toEqual([
      'the ingest service answered 503: Kafka is unavailable',
      'could not reach the ingest service at http://ingest.test:8080/v1/events: ECONNREFUSED',
    ]);
  });

  it('gives up after --max-retries', async () => {
    const { ingest, requests } = client([{ status: 503 }, { status: 503 }, { status: 503 }], 2);
    await expect(ingest.sendBatch(['x'])).rejects.toMatchObject({
      code: 'CARE_ERR_KAFKA_UNAVAILABLE',
      message: expect.stringMatching(/gave up after 2 retries/),
    });
    expect(requests).toHaveLength(3);
  });

  it('stops at once on a refused key or a batch too large', async () => {
    const refused = client([
      { status: 401, body: { error: { field: 'authorization', message: 'is not a valid API key' } } },
    ]);
    await expect(refused.ingest.sendBatch(['x'])).rejects.toMatchObject({
      code: 'CARE_ERR_UNAUTHORIZED',
      message: expect.stringMatching(/refused the API key \(authorization is not a valid API key\)/),
    });
    expect(refused.requests).toHaveLength(1);
    const tooLarge = client([{ status: 413, body: { error: { message: 'is larger than 5242880 bytes' } } }]);
    await expect(tooLarge.ingest.sendBatch(['x'])).rejects.toThrow(/lower --batch-size/);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('5', 0)).toBe(5000);
    expect(retryAfterMs(null, 0)).toBeUndefined();
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
  });
});
