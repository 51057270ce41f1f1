// The data-deletion callback's status url: on INGEST_PUBLIC_URL when it is set (a proxy or TLS terminator in
// front of ingest), otherwise on the request's protocol and Host, and only a Host that is host[:port].
import { createHmac } from 'node:crypto';
import type { ErasureLog } from '@carestream/erasure';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ingestAppWithoutServices } from './test-app.fixture.ts';
import { loadIngestConfig } from './config.ts';
import { requestBaseUrl } from './public-url.ts';

const META_SECRET = 'meta-app-secret';
const REQUIRED = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8085/apis/ccompat/v7',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5433/db',
};

describe('INGEST_PUBLIC_URL', () => {
  const publicUrl = (value: string) =>
    loadIngestConfig({ ...REQUIRED, INGEST_PUBLIC_URL: value }).webhooks.publicUrl;

  it('is unset by default, and a base to append paths to when set', () => {
    expect(loadIngestConfig(REQUIRED).webhooks.publicUrl).toBeUndefined();
    expect(publicUrl('https://ingest.example.com')).toBe('https://ingest.example.com');
    expect(publicUrl('https://Ingest.Example.com:443/')).toBe('https://ingest.example.com');
    expect(publicUrl('http://10.0.0.5:8080/carestream/ingest/')).toBe(
      'http://10.0.0.5:8080/carestream/ingest',
    );
  });

  it.each([
    ['ingest.example.com', 'this is not an absolute URL'],
    ['/webhooks', 'this is not an absolute URL'],
    ['ftp://ingest.example.com', 'its scheme is ftp:'],
    ['https://ingest.example.com/?x=1', 'it has a query or fragment'],
    ['https://ingest.example.com?', 'it has a query or fragment'],
    ['https://ingest.example.com/#top', 'it has a query or fragment'],
    ['https://user:secret@ingest.example.com', 'it has credentials'],
  ])('%j stops start-up with CARE_ERR_CONFIG naming the setting: %s', (value, why) => {
    let thrown: unknown;
    try {
      publicUrl(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'CARE_ERR_CONFIG',
      field: 'INGEST_PUBLIC_URL',
      message:
        "INGEST_PUBLIC_URL must be ingest's public URL, absolute http or https without query, fragment or " +
        `credentials (such as https://ingest.example.com); ${why}`,
    });
    expect((thrown as Error).message).not.toContain('secret');
  });
});

describe('POST /webhooks/meta/data-deletion: the status url', () => {
  let app: FastifyInstance | undefined;
  const erase = vi.fn(async () => ({ erasureId: 'er_1', status: 'completed' }));
  afterEach(async () => {
    await app?.close();
    erase.mockClear();
  });

  async function ingest(publicUrl?: string, trustedProxies: string[] = []): Promise<FastifyInstance> {
    app = await ingestAppWithoutServices({
      erasures: { erase } as unknown as ErasureLog,
      trustedProxies,
      webhooks: {
        xConsumerSecret: undefined,
        metaAppSecret: META_SECRET,
        metaVerifyToken: undefined,
        accountBrands: {},
        automatedAppIds: [],
        publicUrl,
      },
    });
    return app;
  }

  const signed = (() => {
    const body = Buffer.from(JSON.stringify({ algorithm: 'HMAC-SHA256', user_id: 'u-1' })).toString(
      'base64url',
    );
    return `${createHmac('sha256', META_SECRET).update(body).digest('base64url')}.${body}`;
  })();
  const callback = (target: FastifyInstance, headers: Record<string, string>) =>
    target.inject({
      method: 'POST',
      url: '/webhooks/meta/data-deletion',
      payload: `signed_request=${encodeURIComponent(signed)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });

  it('is built on INGEST_PUBLIC_URL when it is set, whatever the Host and the connection say', async () => {
    const response = await callback(await ingest('https://ingest.example.com/care'), {
      host: 'evil.example',
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({
      url: 'https://ingest.example.com/care/webhooks/meta/data-deletion/er_1',
      confirmation_code: 'er_1',
    });
  });

  it.each([
    ['ingest.example.com', 'http://ingest.example.com'],
    ['ingest.example.com:8080', 'http://ingest.example.com:8080'],
    ['10.0.0.5:8080', 'http://10.0.0.5:8080'],
    ['[::1]:8080', 'http://[::1]:8080'],
  ])('without it, is built on the request: Host %j', async (host, base) => {
    const response = await callback(await ingest(), { host });
    expect(response.json()).toMatchObject({ url: `${base}/webhooks/meta/data-deletion/er_1` });
  });

  it('without it, behind a trusted proxy, takes the protocol and host the proxy forwards', async () => {
    const response = await callback(await ingest(undefined, ['127.0.0.1']), {
      host: 'ingest.internal:8080',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'ingest.example.com',
    });
    expect(response.json()).toMatchObject({
      url: 'https://ingest.example.com/webhooks/meta/data-deletion/er_1',
    });
  });

  it.each(['evil.example/phish?x=', 'user@evil.example', 'a b', 'host:99999', 'host:', '[not-ipv6]'])(
    'without it, a Host of %j is 400 naming host, and nobody is erased',
    async (host) => {
      const response = await callback(await ingest(), { host });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        error: {
          code: 'CARE_ERR_VALIDATION',
          field: 'host',
          message: expect.stringMatching(/^must be a host name or address with an optional port/),
        },
      });
      expect(erase).not.toHaveBeenCalled();
    },
  );

  it('without it, a request with no Host (HTTP/1.0) or an empty one is refused the same way', () => {
    for (const host of [undefined, ''])
      expect(() => requestBaseUrl('http', host)).toThrow(
        expect.objectContaining({ code: 'CARE_ERR_VALIDATION', field: 'host' }),
      );
  });
});
