import { brandIdProblem, idProblem, printableId } from '@carestream/contract';
import { CareError } from '@carestream/errors';

/** Whose data to erase: an author (in one brand, or in every brand) or one message of a brand. */
export type ErasureSubject =
  | { readonly kind: 'author'; readonly brandId: string | null; readonly authorId: string }
  | { readonly kind: 'message'; readonly brandId: string; readonly messageId: string };

/** Where a request came from: the API, `carestream erase`, or a platform's webhook. */
export type ErasureSource = 'api' | 'cli' | 'x-webhook' | 'meta-webhook';

const FIELDS = new Set(['brandId', 'authorId', 'messageId']);

function invalid(field: string, message: string): CareError {
  return new CareError('CARE_ERR_VALIDATION', message, { field });
}

function idField(
  body: Record<string, unknown>,
  field: 'brandId' | 'authorId' | 'messageId',
): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw invalid(field, `must be a string, got ${value === null ? 'null' : typeof value}`);
  const problem = field === 'brandId' ? brandIdProblem(value) : idProblem(value);
  if (problem !== undefined) throw invalid(field, problem);
  return value;
}

/**
 * The body of `POST /v1/erasures`: `{brandId?, authorId}` (without brandId: the author in every brand) or
 * `{brandId, messageId}`. Every refusal names the field and what to send instead.
 */
export function parseErasureRequest(body: unknown): ErasureSubject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'must be a JSON object: {"brandId"?, "authorId"} or {"brandId", "messageId"}');
  }
  const record = body as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) {
    // An empty key is named "" so that the field says something.
    throw invalid(
      unknown === '' ? '""' : printableId(unknown),
      'is not a field of an erasure request (brandId, authorId, messageId)',
    );
  }
  const brandId = idField(record, 'brandId');
  const authorId = idField(record, 'authorId');
  const messageId = idField(record, 'messageId');
  if (authorId !== undefined && messageId !== undefined) {
    throw invalid(
      'messageId',
      'erases one message; send it without authorId (or authorId alone for the author)',
    );
  }
  if (authorId !== undefined) return { kind: 'author', brandId: brandId ?? null, authorId };
  if (messageId === undefined)
    throw invalid('authorId', 'is required (or brandId and messageId for one message)');
  if (brandId === undefined)
    throw invalid('brandId', 'is required with messageId: message ids are unique within a brand');
  return { kind: 'message', brandId, messageId };
}
