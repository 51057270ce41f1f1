// Maps the deletions in an X Account Activity delivery to erasure requests (@carestream/erasure): X's developer
// terms require removing a tweet its author deleted, and a user's data when they revoke the app. Pure: the
// HTTP layer verifies the signature and runs the erasures.
//   tweet_delete_events: [{ status: { id, user_id }, timestamp_ms }]  → the brand's message `id`
//   user_event: { revoke: { source: { user_id } } }                  → that author, in every brand
import { idProblem, printableId } from '@carestream/contract';
import type { ErasureSubject } from '@carestream/erasure';
import { asArray, asObject, idField, objectField } from './untrusted-json.ts';
import type { WebhookMapOptions, WebhookSkip } from './webhook-mapping.ts';

export interface WebhookErasures {
  readonly erasures: ErasureSubject[];
  readonly skipped: WebhookSkip[];
}

export function mapXDeletions(payload: unknown, options: WebhookMapOptions): WebhookErasures {
  const erasures: ErasureSubject[] = [];
  const skipped: WebhookSkip[] = [];
  const body = asObject(payload);
  const accountId = idField(body, 'for_user_id');
  const brandId = accountId === undefined ? undefined : options.brandForAccount(accountId);
  for (const raw of asArray(body?.['tweet_delete_events'])) {
    const messageId = idField(objectField(asObject(raw), 'status'), 'id');
    if (messageId === undefined) {
      skipped.push({ reason: 'tweet_delete_events: an item without status.id' });
    } else if (idProblem(messageId) !== undefined) {
      skipped.push({ reason: `tweet_delete_events: status.id "${printableId(messageId)}" is not an id` });
    } else if (brandId === undefined) {
      skipped.push({
        reason: `tweet_delete_events: X account ${accountId ?? '(none)'} is not mapped to a brand`,
      });
    } else {
      erasures.push({ kind: 'message', brandId, messageId });
    }
  }
  const revoke = objectField(objectField(body, 'user_event'), 'revoke');
  if (revoke !== undefined) {
    const authorId = idField(objectField(revoke, 'source'), 'user_id');
    if (authorId === undefined || idProblem(authorId) !== undefined) {
      skipped.push({ reason: 'user_event.revoke without a source.user_id that is an id' });
    } else {
      erasures.push({ kind: 'author', brandId: null, authorId });
    }
  }
  return { erasures, skipped };
}
