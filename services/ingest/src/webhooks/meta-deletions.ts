// Maps the deletions in a Meta webhook delivery to message erasures (@carestream/erasure): a comment or a
// visitor's post removed from the page's feed (`changes[].value.verb: remove`) and a direct message the customer
// unsent (`messaging[].message.is_deleted`, or on Instagram `changes[]` of field `messages`). Meta's data-deletion callback, which erases a user, has a route of
// its own. Pure: the HTTP layer verifies the signature and runs the erasures.
import { idProblem, printableId } from '@carestream/contract';
import type { ErasureSubject } from '@carestream/erasure';
import { asArray, asObject, idField, objectField, stringField } from './untrusted-json.ts';
import { isErasableFeedItem } from './meta-webhook.ts';
import type { WebhookMapOptions, WebhookSkip } from './webhook-mapping.ts';
import type { WebhookErasures } from './x-deletions.ts';

/** The deliveries whose deletions are mapped: a Facebook page's and an Instagram account's. */
const DELETING_OBJECTS = new Set(['page', 'instagram']);

export function mapMetaDeletions(payload: unknown, options: WebhookMapOptions): WebhookErasures {
  const erasures: ErasureSubject[] = [];
  const skipped: WebhookSkip[] = [];
  const body = asObject(payload);
  // Another object's deliveries (the events' mapping names it as not mapped) erase nothing either.
  if (!DELETING_OBJECTS.has(stringField(body, 'object') ?? '')) return { erasures, skipped };
  for (const rawEntry of asArray(body?.['entry'])) {
    const entry = asObject(rawEntry);
    const accountId = idField(entry, 'id');
    const brandId = accountId === undefined ? undefined : options.brandForAccount(accountId);
    if (brandId === undefined) continue; // the events' mapping reports unmapped accounts
    const erase = (what: string, messageId: string | undefined) => {
      if (messageId === undefined || idProblem(messageId) !== undefined) {
        skipped.push({
          reason: `${what}: ${messageId === undefined ? 'no id' : `"${printableId(messageId)}" is not an id`}; nothing erased`,
        });
        return;
      }
      erasures.push({ kind: 'message', brandId, messageId });
    };
    const unsent = (rawEvent: unknown) => {
      const message = objectField(asObject(rawEvent), 'message');
      if (message?.['is_deleted'] === true) erase('an unsent message', idField(message, 'mid'));
    };
    for (const rawChange of asArray(entry?.['changes'])) {
      const change = asObject(rawChange);
      const value = objectField(change, 'value');
      // A removed comment or post; a reaction taken back (item reaction, with the post's id) erases nothing.
      if (
        stringField(change, 'field') === 'feed' &&
        stringField(value, 'verb') === 'remove' &&
        isErasableFeedItem(stringField(value, 'item'))
      )
        erase('a removed item', idField(value, 'comment_id') ?? idField(value, 'post_id'));
      // Instagram sends its direct messages as changes too (field messages), an unsent one among them.
      else if (stringField(change, 'field') === 'messages') unsent(value);
    }
    for (const rawEvent of asArray(entry?.['messaging'])) unsent(rawEvent);
  }
  return { erasures, skipped };
}
