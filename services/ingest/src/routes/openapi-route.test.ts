import { IngestItemSchema, INGEST_SCHEMAS } from '@carestream/contract';
import { CARE_ERROR_CODES } from '@carestream/errors';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { openApiRoute } from './openapi-route.ts';

describe('GET /openapi.json', () => {
  it("documents POST /v1/events with the contract's item schemas, the ones validation is compiled from", async () => {
    const app = Fastify();
    await app.register(openApiRoute);
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    await app.close();
    expect(response.statusCode).toBe(200);
    const document = response.json();
    const post = document.paths['/v1/events'].post;
    const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    expect(post.requestBody.content['application/json'].schema.items).toEqual(asJson(IngestItemSchema));
    expect(post.requestBody.content['application/x-ndjson'].schema).toEqual(asJson(IngestItemSchema));
    const titles = post.requestBody.content['application/json'].schema.items.anyOf.map(
      (item: { properties: { type: { const: string } } }) => item.properties.type.const,
    );
    expect(titles).toEqual(Object.keys(INGEST_SCHEMAS));
    const codes =
      post.responses[400].content['application/json'].schema.properties.error.properties.code.anyOf;
    expect(codes.map((code: { const: string }) => code.const)).toEqual(Object.keys(CARE_ERROR_CODES));
  });
});
