// Never a 5xx for a request's content: the hostile corpus (NUL, %00, surrogates, overlong UTF-8, 10 KB ids, …)
// in every path, query value, body field and webhook field of every ingest route. And what ingest publishes
// keeps the id grammar, whatever came in.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  identityKey,
  newReference,
  newTextKey,
  NOTHING_ERASED,
  type ErasedValues,
  type IdentitiesNeeded,
  type IdentityVault,
} from '@carestream/erasure';
import { eventIdProblem, type CareEvent } from '@carestream/contract';
import {
  HOSTILE_BODIES,
  HOSTILE_STRINGS,
  HOSTILE_URL_VALUES,
  routesOf,
  withParams,
} from '@carestream/test-support/hostile-input';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestAppWithoutServices } from './test-app.fixture.ts';

import type { EventPublisher } from './event-publisher.ts';

const ADMIN_KEY = 'test-admin-key-0123456789';
const X_SECRET = 'x-consumer-secret';
const META_SECRET = 'meta-app-secret';
const META_VERIFY = 'meta-verify-token';
// The webhook fixtures are dated 2 March 2026: this ingest lives on that day.
const NOW = Date.parse('2026-03-02T12:00:00Z');

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./webhooks/fixtures/${name}`, import.meta.url), 'utf8')) as unknown;

/** Every way of putting `value` in place of one string leaf of `json`, one leaf at a time. */
function eachLeafReplaced(json: unknown, value: string): unknown[] {
  const out: unknown[] = [];
  const walk = (node: unknown, rebuild: (replacement: unknown) => unknown): void => {
    if (typeof node === 'string') out.push(rebuild(value));
    else if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, (r) => rebuild(node.map((other, j) => (j === i ? r : other)))));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) walk(child, (r) => rebuild({ ...node, [key]: r }));
    }
  };
  walk(json, (replacement) => replacement);
  return out;
}

/** `json` with every string leaf replaced by `value` at once. */
function allLeavesReplaced(json: unknown, value: string): unknown {
  if (typeof json === 'string') return value;
  if (Array.isArray(json)) return json.map((child) => allLeavesReplaced(child, value));
  if (typeof json === 'object' && json !== null)
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, allLeavesReplaced(v, value)]));
  return json;
}

describe('ingest: hostile input on every route, never a 5xx', () => {
  let app: FastifyInstance;
  const published: CareEvent[] = [];
  const failures: string[] = [];

  beforeAll(async () => {
    app = await ingestAppWithoutServices({
      publisher: {
        publish: async (events: readonly CareEvent[]) => {
          published.push(...events);
        },
      } as unknown as EventPublisher,
      adminKey: ADMIN_KEY,
      // No database: every platform id a webhook names gets a fresh reference, as a new one would.
      identities: {
        platformReferences: async <R>(request: {
          refuse: (erased: ErasedValues) => ReadonlyMap<number, R>;
          needed: (refused: ReadonlyMap<number, R>) => IdentitiesNeeded;
        }) => {
          const refused = request.refuse(NOTHING_ERASED);
          const needed = request.needed(refused);
          return {
            refused,
            resolved: {
              authors: new Map(
                needed.authors.map((need) => [
                  identityKey(need.brandId, need.clearValue),
                  newReference('author'),
                ]),
              ),
              messages: new Map(
                needed.messages.map((need) => [
                  identityKey(need.brandId, need.clearValue),
                  { ref: newReference('message'), textKey: newTextKey() },
                ]),
              ),
            },
          };
        },
      } as unknown as IdentityVault,
      limits: { maxItems: 10_000, maxBytes: 5 * 1024 * 1024 },
      clock: () => NOW,
      // Hostile requests fail authentication on purpose: the address limit must not turn them all into 429s.
      authFailures: { limit: 1_000_000, windowMs: 60_000 },
      webhooks: {
        xConsumerSecret: X_SECRET,
        metaAppSecret: META_SECRET,
        metaVerifyToken: META_VERIFY,
        accountBrands: { '2244994945': 'acme', '104738491234567': 'acme', '17841400008460056': 'acme' },
        automatedAppIds: [],
      },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  /** Records a 5xx (with what was sent) instead of failing at once, so one run lists every case. */
  function check(what: string, response: LightMyRequestResponse): void {
    if (response.statusCode >= 500)
      failures.push(`${what.slice(0, 200)} → ${response.statusCode} ${response.body.slice(0, 200)}`);
  }

  const auth = { authorization: `Bearer ${ADMIN_KEY}` };

  it('covers every route the app has', () => {
    expect(
      routesOf(app)
        .map((route) => route.url)
        .sort(),
    ).toEqual(
      [
        '/healthz',
        '/metrics',
        '/openapi.json',
        '/readyz',
        '/v1/events',
        '/webhooks/meta',
        '/webhooks/meta/data-deletion',
        '/webhooks/meta/data-deletion/:code',
        '/webhooks/x',
      ].sort(),
    );
  });

  it('paths and query values', async () => {
    for (const route of routesOf(app)) {
      for (const value of HOSTILE_URL_VALUES) {
        for (const method of route.methods) {
          const inject = (url: string) =>
            app.inject({
              method: method as 'GET' | 'POST',
              url,
              headers: { ...auth, 'content-type': 'application/json' },
              ...(method === 'POST' ? { payload: '[]' } : {}),
            });
          for (const url of [
            `${withParams(route.url, value)}/${value}`,
            `${route.url}?${value}=1`,
            `${route.url}?atomic=${value}`,
            `${route.url}?crc_token=${value}`,
            `${route.url}?hub.mode=subscribe&hub.verify_token=${value}&hub.challenge=${value}`,
            `${route.url}?hub.mode=subscribe&hub.verify_token=${META_VERIFY}&hub.challenge=${value}`,
            `${route.url}?crc_token=${value}&crc_token=${value}`,
          ]) {
            check(`${method} ${url}`, await inject(url));
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('headers: authorization, content-type', async () => {
    for (const value of HOSTILE_URL_VALUES) {
      const latin1 = decodeURIComponentOr(value);
      for (const headers of [
        { authorization: `Bearer ${value}` },
        { authorization: value },
        { authorization: `Bearer ${latin1}` },
        { ...auth, 'content-type': `application/json; charset=${value}` },
        { ...auth, 'content-type': value },
        { ...auth, 'content-type': `application/x-ndjson; ${value}=${value}` },
        { ...auth, 'content-length': value },
      ]) {
        const response = await app
          .inject({ method: 'POST', url: '/v1/events', headers, payload: '[]' })
          .catch(
            // light-my-request refuses some header values itself (a node HTTP server would never pass them on).
            () => undefined,
          );
        if (response !== undefined) check(`POST /v1/events ${JSON.stringify(headers)}`, response);
      }
    }
    expect(failures).toEqual([]);
  });

  it('POST /v1/events: every string field of every item type, as JSON and as NDJSON', async () => {
    const items: Record<string, unknown>[] = [
      {
        type: 'mention',
        eventId: 'm-1',
        brandId: 'acme',
        channel: 'x',
        conversationId: 'c-1',
        messageId: 't-1',
        authorId: 'a-1',
        receivedAt: '2026-03-02T09:00:00Z',
        kind: 'complaint',
        text: 'hello',
      },
      {
        type: 'reply',
        eventId: 'r-1',
        brandId: 'acme',
        channel: 'x',
        conversationId: 'c-1',
        messageId: 't-2',
        inReplyTo: 't-1',
        agentId: 'ag-1',
        sentAt: '2026-03-02T09:10:00Z',
      },
      {
        type: 'brand_post',
        eventId: 'p-1',
        brandId: 'acme',
        channel: 'x',
        postId: 'post-1',
        publishedAt: '2026-03-02T09:00:00Z',
      },
      {
        type: 'brand_profile',
        eventId: 'bp-1',
        brandId: 'acme',
        name: 'Acme',
        industry: 'retail',
        timezone: 'Europe/Paris',
        ownAccountIds: ['acme_support'],
        businessHours: [{ weekday: 1, open: '09:00', close: '17:00' }],
      },
    ];
    for (const value of HOSTILE_STRINGS) {
      const hostile = items.flatMap((item) => eachLeafReplaced(item, value));
      const keys = items.flatMap((item) => Object.keys(item).map((key) => ({ ...item, [value]: item[key] })));
      for (const batch of [hostile, keys]) {
        const json = JSON.stringify(batch);
        const ndjson = batch.map((item) => JSON.stringify(item)).join('\n');
        for (const [type, payload] of [
          ['application/json', json],
          ['application/x-ndjson', ndjson],
        ] as const) {
          for (const url of ['/v1/events', '/v1/events?atomic=true']) {
            const response = await app.inject({
              method: 'POST',
              url,
              headers: { ...auth, 'content-type': type },
              payload,
            });
            check(`POST ${url} ${type} ${JSON.stringify(value).slice(0, 40)}`, response);
          }
        }
      }
    }
    for (const body of HOSTILE_BODIES) {
      for (const type of ['application/json', 'application/x-ndjson']) {
        const response = await app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { ...auth, 'content-type': type },
          payload: body,
        });
        check(`POST /v1/events ${type} ${body.subarray(0, 40).toString('hex')}`, response);
      }
    }
    expect(failures).toEqual([]);
  });

  it('POST /v1/events: an item of 150,000 stray keys is refused with a bounded list, and its valid neighbour accepted', async () => {
    const valid = {
      type: 'brand_post',
      eventId: 'stray-keys-neighbour',
      brandId: 'acme',
      channel: 'x',
      postId: 'post-stray',
      publishedAt: '2026-03-02T09:00:00Z',
    };
    const stray = Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`k${i}`, 0]));
    const before = published.length;
    const response = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify([valid, { ...valid, eventId: 'stray-keys', ...stray }]),
    });
    expect(response.statusCode).toBe(202);
    const body = response.json<{ accepted: number; rejected: number; errors: { index: number }[] }>();
    expect(body).toMatchObject({ accepted: 1, rejected: 1 });
    expect(body.errors).toHaveLength(11);
    expect(body.errors.every((error) => error.index === 1)).toBe(true);
    expect(response.body.length).toBeLessThan(5_000);
    expect(published.slice(before).map((event) => event.eventId)).toEqual(['stray-keys-neighbour']);
  });

  it('POST /v1/events: an item that gives a key twice is refused naming it, as JSON and as NDJSON', async () => {
    const post = (id: string) =>
      `{"type":"brand_post","eventId":"${id}","brandId":"acme","channel":"x","postId":"p-${id}","publishedAt":"2026-03-02T09:00:00Z"}`;
    // The second item names its brand twice: which one was meant? (JSON.parse would keep globex.)
    const twice = post('twice-brand').replace(
      '"brandId":"acme"',
      '"brandId":"acme","brand\\u0049d":"globex"',
    );
    const before = published.length;
    for (const [contentType, body] of [
      ['application/json', `[${post('twice-ok-1')},${twice},${post('twice-ok-2')}]`],
      ['application/x-ndjson', [post('twice-ok-3'), twice, post('twice-ok-4')].join('\n')],
    ] as const) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { ...auth, 'content-type': contentType },
        payload: body,
      });
      expect(response.statusCode, contentType).toBe(202);
      expect(response.json(), contentType).toEqual({
        accepted: 2,
        duplicates: 0,
        rejected: 1,
        errors: [
          {
            index: 1,
            field: 'brandId',
            message:
              'is given more than once in its object; send each key once (which value was meant is ambiguous)',
          },
        ],
      });
    }
    expect(published.slice(before).map((event) => event.eventId)).toEqual([
      'twice-ok-1',
      'twice-ok-2',
      'twice-ok-3',
      'twice-ok-4',
    ]);
  });

  it('webhooks: every string field of the platforms’ deliveries, correctly signed', async () => {
    const deliveries: readonly (readonly [string, unknown])[] = [
      ['/webhooks/x', fixture('x-tweet-create-events.json')],
      ['/webhooks/x', fixture('x-direct-message-events.json')],
      ['/webhooks/meta', fixture('meta-page-feed.json')],
      ['/webhooks/meta', fixture('meta-messenger.json')],
      ['/webhooks/meta', fixture('meta-instagram-changes.json')],
      ['/webhooks/meta', fixture('meta-instagram-messaging.json')],
    ];
    const signed = (url: string, body: Buffer) =>
      url === '/webhooks/x'
        ? {
            'x-twitter-webhooks-signature': `sha256=${createHmac('sha256', X_SECRET).update(body).digest('base64')}`,
          }
        : { 'x-hub-signature-256': `sha256=${createHmac('sha256', META_SECRET).update(body).digest('hex')}` };
    const send = async (url: string, body: Buffer, what: string) => {
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...signed(url, body) },
        payload: body,
      });
      check(`POST ${url} ${what}`, response);
    };
    // Each field alone with the values that broke things; every field at once with the whole corpus.
    const sharpest = ['a\u0000b', '\uD800', 'x'.repeat(10_240), '../x', ' ', '\u202Eevil', ''];
    for (const [url, delivery] of deliveries) {
      for (const value of sharpest) {
        for (const variant of eachLeafReplaced(delivery, value)) {
          await send(url, Buffer.from(JSON.stringify(variant)), JSON.stringify(value).slice(0, 20));
        }
      }
      for (const value of HOSTILE_STRINGS) {
        await send(
          url,
          Buffer.from(JSON.stringify(allLeavesReplaced(delivery, value))),
          JSON.stringify(value).slice(0, 20),
        );
      }
      for (const body of HOSTILE_BODIES) await send(url, body, body.subarray(0, 40).toString('hex'));
    }
    expect(failures).toEqual([]);
  });

  it('publishes nothing that breaks the id grammar, and no control character in free text', () => {
    expect(published.length).toBeGreaterThan(0);
    const broken = published
      .map((event) => ({ event, problem: eventIdProblem(event) }))
      .filter(({ problem }) => problem !== undefined);
    expect(broken).toEqual([]);
    const texts = published.flatMap((event) =>
      event.type === 'MentionReceived'
        ? [event.text ?? '']
        : event.type === 'BrandProfileSet'
          ? [event.name]
          : [],
    );
    const dirty = (text: string) =>
      /\p{Cs}/u.test(text) || [...text].some((char) => /\p{Cc}/u.test(char) && !'\t\n\r'.includes(char));
    expect(texts.filter(dirty)).toEqual([]);
  });
});

function decodeURIComponentOr(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
