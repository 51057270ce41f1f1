import { IngestItemSchema, WHOLE_ITEM_FIELD } from '@carestream/contract';
import { CARE_ERROR_CODES } from '@carestream/errors';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

// POST /v1/events reads its body itself (a stream: NDJSON line by line, within the limits), so the route has no
// body schema for fastify to validate; the document is built here from the contract's schemas, the same ones
// validateItems is compiled from, so what it says an item is cannot drift from what ingest accepts.

const FieldErrorSchema = Type.Object({
  index: Type.Integer({ description: 'The item’s position in the request, from 0.' }),
  field: Type.String({
    description:
      `Dotted path to the field, e.g. receivedAt or businessHours[2].open; ${WHOLE_ITEM_FIELD} for the item ` +
      'as a whole (an NDJSON line that is not JSON, an item that is not an object, the count of unlisted errors).',
  }),
  message: Type.String({ description: 'What is wrong and what to send instead.' }),
});

const AcceptedSchema = Type.Object({
  accepted: Type.Integer({ description: 'Items published to Kafka (acknowledged).' }),
  duplicates: Type.Integer({ description: 'Items repeating another of the same request (published once).' }),
  rejected: Type.Integer({ description: 'Items refused; each has its errors.' }),
  errors: Type.Array(FieldErrorSchema),
});

const ErrorSchema = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.keys(CARE_ERROR_CODES).map((code) => Type.Literal(code))),
    field: Type.Optional(Type.String({ description: 'The field, parameter or header at fault.' })),
    message: Type.String(),
  }),
  accepted: Type.Optional(Type.Integer()),
  rejected: Type.Optional(Type.Integer()),
  errors: Type.Optional(Type.Array(FieldErrorSchema)),
});

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/** The OpenAPI 3 document of POST /v1/events, from the contract's item schemas. */
export function ingestOpenApiDocument() {
  return {
    openapi: '3.0.3',
    info: {
      title: 'carestream ingest',
      version: '1',
      description:
        'Send events as a JSON array or NDJSON (one item per line). A 2xx means Kafka has them; send the same ' +
        'events again after a 503 (each counts once by its eventId).',
    },
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/v1/events': {
        post: {
          summary: 'Validate events and publish them to Kafka',
          security: [{ bearerAuth: [] }],
          parameters: [
            {
              name: 'atomic',
              in: 'query',
              required: false,
              schema: { type: 'boolean', default: false },
              description:
                'true: one invalid item refuses the whole request; false: the valid items are published. ' +
                'Exactly true or false: any other value is a 400.',
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: Type.Array(IngestItemSchema) },
              'application/x-ndjson': { schema: IngestItemSchema },
            },
          },
          responses: {
            202: { description: 'Published', content: { 'application/json': { schema: AcceptedSchema } } },
            400: error(
              'Every item (or, with atomic=true, one) is invalid, or the body is not JSON or UTF-8.',
            ),
            401: error('Missing or unknown API key.'),
            403: error('The key may not write, or not this brand.'),
            413: error('More bytes or items than INGEST_MAX_BYTES or INGEST_MAX_ITEMS.'),
            415: error(
              'Not application/json or NDJSON, a charset other than UTF-8, or a Content-Encoding other than identity.',
            ),
            429: error(
              'The key’s items per minute, or the address’s failed authentications; see Retry-After.',
            ),
            503: error('Kafka or PostgreSQL did not answer in time; see Retry-After and send again.'),
          },
        },
      },
    },
  };
}

/** `GET /openapi.json`: the document, worked out once. */
export async function openApiRoute(app: FastifyInstance): Promise<void> {
  const document = JSON.stringify(ingestOpenApiDocument());
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(document));
}
