import type { CareEvent } from '@carestream/contract';
import { withTransaction, type Pool, type PoolClient } from '@carestream/postgres';
import {
  identitiesNeeded,
  identityKey,
  pseudonymizeEvents,
  type IdentitiesNeeded,
  type ResolvedIdentities,
} from './pseudonymize.ts';
import { onIdentities } from './database-faults.ts';
import { newReference, type IdentityKind } from './references.ts';
import { newTextKey } from './sealed-text.ts';

interface IdentityRow {
  ref: string;
  brand_id: string;
  clear_value: string;
  text_key: Buffer | null;
}

// Insert what is new, return what exists: one statement per kind and batch. The update on conflict locks the
// row until the batch commits, so an erasure running at the same time waits and then erases this batch's rows
// too; it also gives a message its author when a reply named the message first.
const UPSERT = `
  insert into author_identities (ref, brand_id, kind, clear_value, author_ref, text_key)
  select n.ref, n.brand_id, $1, n.clear_value, n.author_ref, n.text_key
    from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[])
      as n(ref, brand_id, clear_value, author_ref, text_key)
  on conflict (brand_id, kind, clear_value)
    do update set author_ref = coalesce(author_identities.author_ref, excluded.author_ref)
  returning ref, brand_id, clear_value, text_key`;

/**
 * Ingest's side of erasure: replaces author ids and message ids by their references (creating those not seen
 * before) and seals texts, so that no personal value is ever published to Kafka in clear.
 */
export class IdentityVault {
  constructor(private readonly pool: Pool) {}

  async pseudonymize(events: readonly CareEvent[]): Promise<CareEvent[]> {
    const needed = identitiesNeeded(events);
    if (needed.authors.length === 0 && needed.messages.length === 0) return [...events];
    return pseudonymizeEvents(events, await this.references(needed));
  }

  /**
   * The references of these authors and messages, created where new (a message with its author when the need
   * names one). Also for ids a webhook adapter built from a person's platform ids (an X DM's conversation is
   * the customer's user id): they get the references of the same author or message, so they go with them.
   */
  async references(needed: IdentitiesNeeded): Promise<ResolvedIdentities> {
    return onIdentities(() =>
      withTransaction(this.pool, async (client): Promise<ResolvedIdentities> => {
        const authors = await upsert(client, 'author', needed.authors);
        const messages = await upsert(
          client,
          'message',
          needed.messages.map((need) => ({
            ...need,
            authorRef:
              need.authorId === null
                ? null
                : (authors.get(identityKey(need.brandId, need.authorId))?.ref ?? null),
          })),
        );
        return {
          authors: new Map([...authors].map(([key, row]) => [key, row.ref])),
          messages: new Map(
            [...messages].map(([key, row]) => {
              if (row.text_key === null) throw new Error(`message reference ${row.ref} has no text key`);
              return [key, { ref: row.ref, textKey: row.text_key }];
            }),
          ),
        };
      }),
    );
  }
}

async function upsert(
  client: PoolClient,
  kind: IdentityKind,
  needs: readonly { brandId: string; clearValue: string; authorRef?: string | null }[],
): Promise<Map<string, IdentityRow>> {
  if (needs.length === 0) return new Map();
  const { rows } = await client.query<IdentityRow>(UPSERT, [
    kind,
    needs.map(() => newReference(kind)),
    needs.map((need) => need.brandId),
    needs.map((need) => need.clearValue),
    needs.map((need) => need.authorRef ?? null),
    needs.map(() => (kind === 'message' ? newTextKey() : null)),
  ]);
  return new Map(rows.map((row) => [identityKey(row.brand_id, row.clear_value), row]));
}
