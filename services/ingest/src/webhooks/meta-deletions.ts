// Maps the deletions in a Meta webhook delivery to message erasures (@carestream/erasure): a comment or a
// visitor's post removed from the page's feed (`changes[].value.verb: remove`) and a direct message the customer
// unsent (`messaging[].message.is_deleted`). Meta's data-deletion callback, which erases a user, has a route of
// its own. Pure: the HTTP layer verifies the signature and runs the erasures.
import { idProblem } from '@carestream/contract';
import type { ErasureSubject } from '@carestream/erasure';
import { asArray, asObject, idField, objectField, stringField } from './untrusted-json.ts';
import type { WebhookMapOptions } from './webhook-mapping.ts';
import type { WebhookErasures } from './x-deletions.ts';

export function mapMetaDeletions(payload: unknown, options: WebhookMapOptions): WebhookErasures {
  const erasures: ErasureSubject[] = [];
  for (const rawEntry of asArray(asObject(payload)?.['entry'])) {
    const entry = asObject(rawEntry);
    const accountId = idField(entry, 'id');
    const brandId = accountId === undefined ? undefined : options.brandForAccount(accountId);
    if (brandId === undefined) continue; // the events' mapping reports unmapped accounts
    const erase = (messageId: string | undefined) => {
      if (messageId !== undefined && idProblem(messageId) === undefined)
        erasures.push({ kind: 'message', brandId, messageId });
    };
    for (const rawChange of asArray(entry?.['changes'])) {
      const value = objectField(asObject(rawChange), 'value');
      if (stringField(value, 'verb') === 'remove')
        erase(idField(value, 'comment_id') ?? idField(value, 'post_id'));
    }
    for (const rawEvent of asArray(entry?.['messaging'])) {
      const message = objectField(asObject(rawEvent), 'message');
      if (message?.['is_deleted'] === true) erase(idField(message, 'mid'));
    }
  }
  return { erasures, skipped: [] };
}
