import type { Principal } from '@carestream/api-keys';
import { MAX_ID_LENGTH } from '@carestream/contract';
import { parseErasureRequest, type ErasureLog } from '@carestream/erasure';
import { CareError } from '@carestream/errors';
import { singleQueryValues } from '@carestream/service-kit';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorSchema } from '../schemas.ts';
import { principalOf, SECURITY } from './route-options.ts';

export interface ErasureRouteOptions {
  readonly erasures: ErasureLog;
}

const Id = (description: string) => Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description });

// Documents the body; parseErasureRequest is what checks it (the app's validator is off: every 400 names the
// field in the app's own words).
const ErasureRequestSchema = Type.Object(
  {
    brandId: Type.Optional(
      Id('The brand; without it, an author is erased in every brand. Required with messageId.'),
    ),
    authorId: Type.Optional(Id('The author (customer) id as the platform or your events gave it.')),
    messageId: Type.Optional(Id('One message of the brand (a mention’s messageId).')),
  },
  { description: '{brandId?, authorId} erases an author; {brandId, messageId} erases one message.' },
);

const ErasureSchema = Type.Object({
  erasureId: Type.String({ format: 'uuid' }),
  status: Type.Literal('completed', { description: 'Erasures complete before the answer is sent.' }),
  source: Type.Union([
    Type.Literal('api'),
    Type.Literal('cli'),
    Type.Literal('x-webhook'),
    Type.Literal('meta-webhook'),
  ]),
  requestedAt: Type.String({ format: 'date-time' }),
  completedAt: Type.String({ format: 'date-time' }),
  brandId: Type.Union([Type.String(), Type.Null()], { description: 'null: the author in every brand.' }),
  subject: Type.Union([Type.Literal('author'), Type.Literal('message')]),
  authorsErased: Type.Integer({ minimum: 0, description: 'Author identities deleted (one per brand).' }),
  messagesErased: Type.Integer({ minimum: 0, description: 'Message identities and text keys deleted.' }),
});

const ERRORS = {
  401: { ...ErrorSchema, description: 'Missing or unknown API key.' },
  403: { ...ErrorSchema, description: 'Not an admin key: erasure is the operator’s.' },
  429: { ...ErrorSchema, description: 'Rate limited; see Retry-After (seconds).' },
};

function requireAdmin(principal: Principal): void {
  if (principal.scope !== 'admin') {
    throw new CareError(
      'CARE_ERR_FORBIDDEN',
      `belongs to a ${principal.scope} key; erasure needs an admin key`,
      {
        field: 'authorization',
      },
    );
  }
}

/**
 * `POST /v1/erasures` erases an author's or a message's personal data (@carestream/erasure) and answers the
 * audit record; `GET /v1/erasures/{erasureId}` reads it back. Admin keys only.
 */
export async function erasureRoutes(app: FastifyInstance, options: ErasureRouteOptions): Promise<void> {
  app.post(
    '/v1/erasures',
    {
      schema: {
        tags: ['erasure'],
        summary: 'Erase an author (in a brand or every brand) or one message, in the log and every replay',
        description:
          'Deletes the identities and text keys the log’s references and sealed texts stand for: every answer, ' +
          'view and later replay shows [erased] instead, and the figures keep counting the interactions.',
        body: ErasureRequestSchema,
        response: {
          201: {
            description: 'Erased; Location names the record.',
            content: { 'application/json': { schema: ErasureSchema } },
          },
          400: {
            ...ErrorSchema,
            description:
              'A bad body, the field named in error.field: not UTF-8 (the first bad byte named), not JSON, a key ' +
              'given twice (which value was meant is ambiguous) or a key named __proto__ or constructor.',
          },
          413: { ...ErrorSchema, description: 'A body over the limit, named in bytes.' },
          415: {
            ...ErrorSchema,
            description: 'Not application/json, or a charset other than UTF-8 (field content-type).',
          },
          ...ERRORS,
        },
        security: SECURITY,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      // It takes no parameter: one a caller meant (a dry run, a brand) is refused, not ignored by an erasure.
      singleQueryValues(request.query, []);
      const subject = parseErasureRequest(request.body);
      const record = await options.erasures.erase(subject, { source: 'api', requestedBy: principal.keyId });
      return reply.code(201).header('location', `/v1/erasures/${record.erasureId}`).send(record);
    },
  );

  app.get<{ Params: { erasureId: string } }>(
    '/v1/erasures/:erasureId',
    {
      schema: {
        tags: ['erasure'],
        summary: 'An erasure request: when, from where, what kind of subject and how much was erased',
        params: Type.Object({
          erasureId: Type.String({ description: 'The erasureId POST /v1/erasures answered.' }),
        }),
        response: {
          200: {
            description: 'The audit record (it never holds the erased values).',
            content: { 'application/json': { schema: ErasureSchema } },
          },
          404: { ...ErrorSchema, description: 'No such erasure.' },
          ...ERRORS,
        },
        security: SECURITY,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      const { erasureId } = request.params;
      const record = await options.erasures.find(erasureId);
      if (record === undefined) {
        throw new CareError('CARE_ERR_NOT_FOUND', 'no erasure has this id', { field: 'erasureId' });
      }
      return record;
    },
  );
}
