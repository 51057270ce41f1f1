import { CareError } from '@carestream/errors';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerFrameworkError } from './framework-errors.ts';
import { registerErrorHandler } from './http-plugins.ts';

describe('the one error handler', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = Fastify({ frameworkErrors: answerFrameworkError });
    registerErrorHandler(app, { routesListedAt: '/docs' });
    app.post('/json-only', async () => ({ ok: true }));
    app.get('/broken', async () => {
      throw new Error('secret detail');
    });
    app.get('/refused', async () => {
      throw new CareError('CARE_ERR_VALIDATION', 'all 2 items are invalid', {
        field: 'body',
        details: { accepted: 0, rejected: 2 },
      });
    });
    app.get('/apply', async () => {
      throw new CareError('CARE_ERR_APPLY', 'secret detail', { details: { internals: 'secret' } });
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('a path no route serves is 404 CARE_ERR_NOT_FOUND naming the path and where the routes are listed', async () => {
    const response = await app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      error: { code: 'CARE_ERR_NOT_FOUND', field: 'path', message: 'no route GET /nowhere; see /docs' },
    });
  });

  it("fastify's own 415 carries the media-type code and names content-type, the header at fault", async () => {
    for (const contentType of ['text/csv', 'not a media type']) {
      const response = await app.inject({
        method: 'POST',
        url: '/json-only',
        payload: 'a,b',
        headers: { 'content-type': contentType },
      });
      expect(response.statusCode, contentType).toBe(415);
      expect(response.json().error, contentType).toEqual({
        code: 'CARE_ERR_UNSUPPORTED_MEDIA_TYPE',
        field: 'content-type',
        message: 'is not a media type this route reads (type/subtype, such as application/json)',
      });
    }
  });

  it('details go beside the error; a 500 hides its message and details', async () => {
    const refused = await app.inject({ method: 'GET', url: '/refused' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      error: { code: 'CARE_ERR_VALIDATION', field: 'body', message: 'all 2 items are invalid' },
      accepted: 0,
      rejected: 2,
    });
    for (const url of ['/broken', '/apply']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(500);
      expect(response.body).not.toContain('secret');
      expect(response.json().error.message).toBe('internal error');
    }
  });

  it('a path that does not decode is 400 naming the path, written by the same handler', async () => {
    const response = await app.inject({ method: 'GET', url: '/refused/%FF' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'CARE_ERR_VALIDATION', field: 'path' });
  });
});
