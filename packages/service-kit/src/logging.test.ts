import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { serviceLogger } from './logging.ts';

describe('serviceLogger', () => {
  it('given a request with a key in its query and headers, when logged, then only method and path are written', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const app = Fastify({ logger: serviceLogger(sink) });
    app.get('/', async () => ({ ok: true }));
    const response = await app.inject({
      url: '/?key=cs_admin_secret123&hub.verify_token=verify-secret',
      headers: { authorization: 'Bearer cs_admin_secret123', 'x-hub-signature-256': 'sha256=abc' },
    });
    await app.close();
    expect(response.statusCode).toBe(200);
    expect(logged).toContain('"path":"/"');
    expect(logged).not.toMatch(/secret123|verify-secret|sha256=abc/);
  });
});
