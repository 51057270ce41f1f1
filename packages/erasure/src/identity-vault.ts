import type { CareEvent } from '@carestream/contract';
import { arrayColumn, packBytes, withTransaction, type Pool, type PoolClient } from '@carestream/postgres';
import { ERASURE_LOCK, type ErasedValues, type ErasureLog } from './erasure-log.ts';
import {
  erasedParts,
  identitiesNeeded,
  identityKey,
  pseudonymizeEvents,
  type ErasedPart,
  type IdentitiesNeeded,
  type IdentityNeed,
  type ResolvedIdentities,
} from './pseudonymize.ts';
import { onIdentities } from './database-faults.ts';
import { newReference } from './references.ts';
import { newTextKey } from './sealed-text.ts';

interface IdentityRow {
  ref: string;
  brand_id: string;
  clear_value: string;
  text_key: Buffer | null;
}

// Messages are new nearly every time: insert, and on conflict (an event sent again, or a message a reply named
// first) return the row, giving it its author if it had none.
const UPSERT_MESSAGES = `
  insert into author_identities (ref, brand_id, kind, clear_value, author_ref, text_key)
  select n.ref, n.brand_id, 'message', n.clear_value, n.author_ref, substring($5::bytea from n.key_start for n.key_length)
    from unnest($1::text[], $2::text[], $3::text[], $4::text[], $6::int[], $7::int[])
      as n(ref, brand_id, clear_value, author_ref, key_start, key_length)
  on conflict (brand_id, kind, clear_value)
    do update set author_ref = coalesce(author_identities.author_ref, excluded.author_ref)
  returning ref, brand_id, clear_value, text_key`;

// Authors are mostly known: their rows are taken for key share, not updated (an update writes a new row version
// and makes batches of the same author wait for each other). No erasure runs meanwhile (ERASURE_LOCK).
const LOCK_AUTHORS = `
  select a.ref, a.brand_id, a.clear_value, a.text_key
    from unnest($1::text[], $2::text[]) as n(brand_id, clear_value)
    join author_identities a on a.brand_id = n.brand_id and a.kind = 'author' and a.clear_value = n.clear_value
  order by a.brand_id, a.clear_value
  for key share of a`;

const INSERT_AUTHORS = `
  insert into author_identities (ref, brand_id, kind, clear_value)
  select n.ref, n.brand_id, 'author', n.clear_value from unnest($1::text[], $2::text[], $3::text[]) as n(ref, brand_id, clear_value)
  on conflict (brand_id, kind, clear_value) do nothing
  returning ref, brand_id, clear_value, text_key`;

/**
 * Ingest's side of erasure: replaces author ids and message ids by their references (creating those not seen
 * before) and seals texts, so that no personal value is ever published to Kafka in clear; and stores nothing an
 * erasure removed again (`erasedParts`).
 */
const DEADLOCK_DETECTED = '40P01';

export class IdentityVault {
  constructor(
    private readonly pool: Pool,
    private readonly erasures: Pick<ErasureLog, 'erasedValues' | 'eraseLateMessages'>,
  ) {}

  async pseudonymize(events: readonly CareEvent[]): Promise<CareEvent[]> {
    const named = identitiesNeeded(events);
    if (named.authors.length === 0 && named.messages.length === 0) return [...events];
    const { resolved, erased } = await this.unlessErased(named, async (client, erasedValues) => {
      const erased = erasedParts(events, erasedValues);
      const needed = erased.size === 0 ? named : identitiesNeeded(events, erased);
      const resolved = await storeReferences(client, needed);
      await this.erasures.eraseLateMessages(client, lateMessages(events, erased, erasedValues));
      return { resolved, erased };
    });
    return pseudonymizeEvents(events, resolved, erased);
  }

  /**
   * The references of ids a webhook adapter built from a person's platform ids (an X DM's conversation is the
   * customer's user id; a public one a message id): they get the references of the same author or message, so
   * they go with them. `refuse` names, by index, the events that would bring back what an erasure removed (from
   * what the erasure log says of everything `named`); the others' `needed` are stored.
   */
  async platformReferences<R>(request: {
    readonly named: IdentitiesNeeded;
    readonly refuse: (erased: ErasedValues) => ReadonlyMap<number, R>;
    readonly needed: (refused: ReadonlyMap<number, R>) => IdentitiesNeeded;
  }): Promise<{ refused: ReadonlyMap<number, R>; resolved: ResolvedIdentities }> {
    if (request.named.authors.length === 0 && request.named.messages.length === 0)
      return { refused: new Map(), resolved: { authors: new Map(), messages: new Map() } };
    return this.unlessErased(request.named, async (client, erasedValues) => {
      const refused = request.refuse(erasedValues);
      return { refused, resolved: await storeReferences(client, request.needed(refused)) };
    });
  }

  /**
   * Runs `work` in one transaction with what the erasure log says of `named`, read inside it: erasures wait for
   * the transaction, and it for erasures in progress (ERASURE_LOCK), so none can come between the look-up and
   * the rows it decides on (an identity erased meanwhile would be stored again).
   */
  private unlessErased<T>(
    named: IdentitiesNeeded,
    work: (client: PoolClient, erased: ErasedValues) => Promise<T>,
  ): Promise<T> {
    const attempt = () =>
      withTransaction(this.pool, async (client) => {
        await client.query(`select pg_advisory_xact_lock_shared(${ERASURE_LOCK})`);
        return work(client, await this.erasures.erasedValues(named, client));
      });
    return onIdentities(async () => {
      // Two batches may meet on the same rows in another order (a reply in one to the other's late mention):
      // PostgreSQL ends one with a deadlock, and it runs again once the other has committed.
      for (let tries = 1; ; tries += 1) {
        try {
          return await attempt();
        } catch (error) {
          if (tries >= 3 || (error as { code?: unknown }).code !== DEADLOCK_DETECTED) throw error;
        }
      }
    });
  }
}

/**
 * The messages of mentions written before their author's erasure, with that erasure's time (those already known
 * as erased left out): they are erased now, as they would have been had they come first.
 */
function lateMessages(
  events: readonly CareEvent[],
  erased: ReadonlyMap<number, ErasedPart>,
  erasedValues: ErasedValues,
): (IdentityNeed & { erasedAtMs: number })[] {
  const late: (IdentityNeed & { erasedAtMs: number })[] = [];
  for (const [index, part] of erased) {
    const event = events[index];
    if (!part.author || event?.type !== 'MentionReceived') continue;
    if (erasedValues.messages.has(identityKey(event.brandId, event.messageId))) continue;
    const erasedAtMs = erasedValues.authors.get(identityKey(event.brandId, event.authorId));
    if (erasedAtMs !== undefined)
      late.push({ brandId: event.brandId, clearValue: event.messageId, erasedAtMs });
  }
  return late;
}

/** The references of these authors and messages, created where new (a message with its author when named). */
async function storeReferences(client: PoolClient, needed: IdentitiesNeeded): Promise<ResolvedIdentities> {
  if (needed.authors.length === 0 && needed.messages.length === 0)
    return { authors: new Map(), messages: new Map() };
  const authors = await authorRows(client, needed.authors);
  const messages = await messageRows(
    client,
    needed.messages.map((need) => ({
      ...need,
      // Null for no author, or one that is no person (the brand itself): authorRows has every other.
      authorRef:
        need.authorId === null ? null : (authors.get(identityKey(need.brandId, need.authorId))?.ref ?? null),
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
}

type Need = { readonly brandId: string; readonly clearValue: string };

const byKey = (rows: readonly IdentityRow[]) =>
  new Map(rows.map((row) => [identityKey(row.brand_id, row.clear_value), row]));

/** The authors' rows, locked for key share; those not known before are created. */
async function authorRows(client: PoolClient, needs: readonly Need[]): Promise<Map<string, IdentityRow>> {
  if (needs.length === 0) return new Map();
  const lock = async (list: readonly Need[]) =>
    byKey(
      (
        await client.query<IdentityRow>(LOCK_AUTHORS, [
          arrayColumn(list, (need) => need.brandId),
          arrayColumn(list, (need) => need.clearValue),
        ])
      ).rows,
    );
  const missing = (found: ReadonlyMap<string, IdentityRow>) =>
    needs.filter((need) => !found.has(identityKey(need.brandId, need.clearValue)));
  const found = await lock(needs);
  const unknown = missing(found);
  if (unknown.length === 0) return found;
  // New ones are inserted; one another batch created meanwhile (the insert waited for it and did nothing) is
  // locked as a known one. No erasure can delete one in between (ERASURE_LOCK).
  const { rows } = await client.query<IdentityRow>(INSERT_AUTHORS, [
    arrayColumn(unknown, () => newReference('author')),
    arrayColumn(unknown, (need) => need.brandId),
    arrayColumn(unknown, (need) => need.clearValue),
  ]);
  for (const [key, row] of byKey(rows)) found.set(key, row);
  const createdElsewhere = missing(found);
  if (createdElsewhere.length > 0) for (const [key, row] of await lock(createdElsewhere)) found.set(key, row);
  const lost = missing(found).length;
  if (lost > 0) throw new Error(`${lost} author identities could be neither created nor found`);
  return found;
}

async function messageRows(
  client: PoolClient,
  needs: readonly (Need & { authorRef: string | null })[],
): Promise<Map<string, IdentityRow>> {
  if (needs.length === 0) return new Map();
  // Every message's new text key in one binary parameter (a bytea[] would go as hex text).
  const keys = packBytes(needs.map(() => newTextKey()));
  const { rows } = await client.query<IdentityRow>(UPSERT_MESSAGES, [
    arrayColumn(needs, () => newReference('message')),
    arrayColumn(needs, (need) => need.brandId),
    arrayColumn(needs, (need) => need.clearValue),
    arrayColumn(needs, (need) => need.authorRef),
    keys.bytes,
    keys.starts,
    keys.lengths,
  ]);
  return byKey(rows);
}
