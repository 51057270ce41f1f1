import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { serviceLogging } from './logging.ts';

describe('serviceLogging', () => {
  it('given a request with a key in its query and headers, when logged, then one line names method, path and status only', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged += chunk.toString();
        done();
      },
    });
    const app = Fastify(serviceLogging(true, sink));
    app.get('/', async () => ({ ok: true }));
    const response = await app.inject({
      url: '/?key=cs_admin_secret123&hub.verify_token=verify-secret',
      headers: { authorization: 'Bearer cs_admin_secret123', 'x-hub-signature-256': 'sha256=abc' },
    });
    await app.close();
    expect(response.statusCode).toBe(200);
    const lines = logged
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.msg === 'request completed')).toEqual([
      expect.objectContaining({
        req: expect.objectContaining({ method: 'GET', path: '/' }),
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      }),
    ]);
    expect(lines.some((line) => line.msg === 'incoming request')).toBe(false);
    expect(logged).not.toMatch(/secret123|verify-secret|sha256=abc/);
  });

  it('given logging off, when a request is answered, then the app has no logger to write with', () => {
    expect(serviceLogging(false)).toEqual({ logger: false });
  });
});
