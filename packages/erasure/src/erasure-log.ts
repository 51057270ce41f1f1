import { createHmac, randomUUID } from 'node:crypto';
import { arrayColumn, withTransaction, type Pool, type PoolClient } from '@carestream/postgres';
import { onIdentities } from './database-faults.ts';
import type { ErasureSource, ErasureSubject } from './erasure-request.ts';
import { identityKey, isPersonal, type IdentitiesNeeded, type IdentityNeed } from './pseudonymize.ts';

/**
 * What the erasure log says of the clear values some events name (by `identityKey`): ingest stores none of them
 * again (see `erasedParts`).
 */
export interface ErasedValues {
  /** The latest erasure (epoch ms) of each author named, in its brand or in every brand. */
  readonly authors: ReadonlyMap<string, number>;
  /** The messages named that were erased, by themselves or with their author. */
  readonly messages: ReadonlySet<string>;
}

export const NOTHING_ERASED: ErasedValues = { authors: new Map(), messages: new Set() };

/**
 * The advisory lock (a transaction's) between erasures and ingest: an erasure takes it exclusively, ingest's
 * transaction that looks erasures up and stores identities shared, so that no erasure commits in between.
 */
export const ERASURE_LOCK = "hashtextextended('carestream.erasure', 0)";

type Queryable = Pick<PoolClient, 'query'>;

export interface ErasureRecord {
  readonly erasureId: string;
  /** Every erasure completes in the request that makes it: its rows are deleted before the answer. */
  readonly status: 'completed';
  readonly source: ErasureSource;
  readonly requestedAt: string;
  readonly completedAt: string;
  readonly brandId: string | null;
  readonly subject: ErasureSubject['kind'];
  /** Author identities deleted (one per brand the author appeared in). */
  readonly authorsErased: number;
  /** Message identities (and their text keys) deleted, the erased authors' messages included. */
  readonly messagesErased: number;
}

interface ErasureRow {
  erasure_id: string;
  source: ErasureSource;
  requested_at: Date;
  completed_at: Date;
  brand_id: string | null;
  subject: ErasureSubject['kind'];
  authors_erased: number;
  messages_erased: number;
}

const ERASURE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Any brand: the scope of a digest for an author erased in every brand. */
const EVERY_BRAND = '*';

/**
 * The HMAC-SHA-256 of what was erased, under the erasure_digest_key: the audit log keeps it instead of the value,
 * and the API compares clear ids (from producers that bypass ingest) against it. Brand ids never contain '\0'.
 */
export function subjectDigest(
  key: Buffer,
  scope: string,
  kind: ErasureSubject['kind'],
  value: string,
): Buffer {
  return createHmac('sha256', key).update(`${scope}\u0000${kind}\u0000${value}`).digest();
}

/** The digests under which a clear value of a brand would have been erased (by brand, or in every brand). */
export function digestsOf(
  key: Buffer,
  brandId: string,
  kind: ErasureSubject['kind'],
  value: string,
): Buffer[] {
  const digests = [subjectDigest(key, brandId, kind, value)];
  if (kind === 'author') digests.push(subjectDigest(key, EVERY_BRAND, kind, value));
  return digests;
}

/** Each (brand, value) once: the same need may come from several events. */
function unique<T extends IdentityNeed>(needs: readonly T[]): T[] {
  return [...new Map(needs.map((need) => [identityKey(need.brandId, need.clearValue), need])).values()];
}

/** Erases authors and messages (deleting their identities and text keys) and keeps the audit log. */
export class ErasureLog {
  private digestKey: Promise<Buffer> | undefined;
  /** Whether any erasure has been logged (by any process): until one is, no event needs its digests computed. */
  private anyErasure = false;

  constructor(
    private readonly pool: Pool,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The digest key, read once per process (it never changes); through `client` when the caller holds one (a
   * second connection asked for inside a transaction could wait for ever on a pool the transactions hold).
   */
  async key(client: Queryable = this.pool): Promise<Buffer> {
    this.digestKey ??= onIdentities(() =>
      client.query<{ hmac_key: Buffer }>('select hmac_key from erasure_digest_key'),
    ).then(({ rows }) => {
      const key = rows[0]?.hmac_key;
      if (key === undefined) throw new Error('erasure_digest_key is empty: migration 0007 did not run');
      return key;
    });
    this.digestKey.catch(() => (this.digestKey = undefined));
    return this.digestKey;
  }

  /**
   * Which of the authors and messages needed were erased, and when the authors were: one query (by the digests),
   * none while nothing was ever erased.
   */
  async erasedValues(needed: IdentitiesNeeded, client: Queryable = this.pool): Promise<ErasedValues> {
    if (needed.authors.length === 0 && needed.messages.length === 0) return NOTHING_ERASED;
    // Three HMACs a mention (~3 µs each) are spared while nothing was ever erased; an erasure is never undone.
    if (!this.anyErasure) {
      const { rows } = await onIdentities(() =>
        client.query<{ found: boolean }>('select exists (select 1 from erasures) as found'),
      );
      if (rows[0]?.found !== true) return NOTHING_ERASED;
      this.anyErasure = true;
    }
    const digestKey = await this.key(client);
    // By digest, what it would erase: an author erased in every brand has one digest for all of its brands.
    const digests = new Map<string, { kind: 'author' | 'message'; keys: string[] }>();
    const add = (digest: Buffer, kind: 'author' | 'message', key: string) => {
      const hex = digest.toString('hex');
      const found = digests.get(hex);
      if (found === undefined) digests.set(hex, { kind, keys: [key] });
      else found.keys.push(key);
    };
    for (const need of unique(needed.authors)) {
      // Every value here is a clear one, whatever it looks like (a customer id may be shaped like a reference).
      if (!isPersonal(need.brandId, need.clearValue)) continue;
      const key = identityKey(need.brandId, need.clearValue);
      for (const digest of digestsOf(digestKey, need.brandId, 'author', need.clearValue))
        add(digest, 'author', key);
    }
    for (const need of unique(needed.messages)) {
      const digest = subjectDigest(digestKey, need.brandId, 'message', need.clearValue);
      add(digest, 'message', identityKey(need.brandId, need.clearValue));
    }
    const authors = new Map<string, number>();
    const messages = new Set<string>();
    if (digests.size === 0) return { authors, messages };
    const { rows } = await onIdentities(() =>
      client.query<{ subject_digest: Buffer; last: Date }>(
        `select subject_digest, max(requested_at) as last from erasures where subject_digest = any($1)
          group by subject_digest
         union all
         select subject_digest, erased_at from erased_messages where subject_digest = any($1)`,
        [[...digests.keys()].map((hex) => Buffer.from(hex, 'hex'))],
      ),
    );
    for (const row of rows) {
      const found = digests.get(row.subject_digest.toString('hex'));
      for (const key of found?.keys ?? []) {
        if (found?.kind === 'message') messages.add(key);
        else authors.set(key, Math.max(authors.get(key) ?? -Infinity, row.last.getTime()));
      }
    }
    return { authors, messages };
  }

  /**
   * Erases messages no erasure named: those of mentions that reached ingest after their author's erasure (each
   * with that erasure's time). A row a reply made for one (before the mention named its author) is deleted, and
   * each digest is remembered, so that a reply naming one later stores nothing either. In the caller's
   * transaction, which holds ERASURE_LOCK; rows are locked in one order (brand, value), as ingest stores them.
   */
  async eraseLateMessages(
    client: Queryable,
    messages: readonly (IdentityNeed & { readonly erasedAtMs: number })[],
  ): Promise<void> {
    if (messages.length === 0) return;
    const sorted = [...messages].sort((a, b) =>
      a.brandId === b.brandId ? compare(a.clearValue, b.clearValue) : compare(a.brandId, b.brandId),
    );
    await client.query(
      `with doomed as (
         select a.ref from author_identities a
           join unnest($1::text[], $2::text[]) as m(brand_id, clear_value)
             on a.kind = 'message' and a.brand_id = m.brand_id and a.clear_value = m.clear_value
          order by a.brand_id, a.clear_value for update of a)
       delete from author_identities where ref in (select ref from doomed)`,
      [arrayColumn(sorted, (m) => m.brandId), arrayColumn(sorted, (m) => m.clearValue)],
    );
    const key = await this.key(client);
    await insertErasedMessages(
      client,
      sorted.map((m) => ({
        digest: subjectDigest(key, m.brandId, 'message', m.clearValue),
        at: m.erasedAtMs,
      })),
    );
  }

  async erase(
    subject: ErasureSubject,
    request: { readonly source: ErasureSource; readonly requestedBy: string | null },
  ): Promise<ErasureRecord> {
    const key = await this.key();
    const requestedAt = new Date(this.clock());
    return onIdentities(() =>
      withTransaction(this.pool, async (client) => {
        // Ingest's transactions that store identities finish first, and start after (see ERASURE_LOCK).
        await client.query(`select pg_advisory_xact_lock(${ERASURE_LOCK})`);
        const erased =
          subject.kind === 'author'
            ? await eraseAuthor(client, key, subject.brandId, subject.authorId, requestedAt)
            : await eraseMessage(client, subject.brandId, subject.messageId);
        const scope = subject.brandId ?? EVERY_BRAND;
        const value = subject.kind === 'author' ? subject.authorId : subject.messageId;
        const { rows } = await client.query<ErasureRow>(
          `insert into erasures (erasure_id, requested_at, completed_at, source, requested_by, brand_id, subject,
                               subject_digest, authors_erased, messages_erased)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         returning *`,
          [
            randomUUID(),
            requestedAt,
            new Date(this.clock()),
            request.source,
            request.requestedBy,
            subject.brandId,
            subject.kind,
            subjectDigest(key, scope, subject.kind, value),
            erased.authors,
            erased.messages,
          ],
        );
        return recordOf(rows[0] as ErasureRow);
      }),
    );
  }

  /** The record, or undefined for an unknown id or a value that is no erasure id (any string a caller sent). */
  async find(erasureId: string): Promise<ErasureRecord | undefined> {
    if (!ERASURE_ID.test(erasureId)) return undefined;
    const { rows } = await this.pool.query<ErasureRow>('select * from erasures where erasure_id = $1', [
      erasureId,
    ]);
    return rows[0] === undefined ? undefined : recordOf(rows[0]);
  }
}

async function eraseAuthor(
  client: PoolClient,
  digestKey: Buffer,
  brandId: string | null,
  authorId: string,
  erasedAt: Date,
): Promise<{ authors: number; messages: number }> {
  const authors = await client.query<{ ref: string }>(
    `select ref from author_identities
      where kind = 'author' and clear_value = $1 and ($2::text is null or brand_id = $2)
      order by brand_id for update`,
    [authorId, brandId],
  );
  const refs = authors.rows.map((row) => row.ref);
  if (refs.length === 0) return { authors: 0, messages: 0 };
  // The author's messages (with their text keys) go with it. Ingest holds an author's row (for key share) while
  // it adds the author's messages, so the lock above waited for any batch adding some, and this delete sees them.
  const { rows } = await client.query<{ brand_id: string; clear_value: string }>(
    `with erased as (delete from author_identities where author_ref = any($1) or ref = any($1)
                     returning kind, brand_id, clear_value)
     select brand_id, clear_value from erased where kind = 'message'`,
    [refs],
  );
  // The erasure names the author, not these: their digests keep a reply naming one from storing it again.
  await insertErasedMessages(
    client,
    rows.map((row) => ({
      digest: subjectDigest(digestKey, row.brand_id, 'message', row.clear_value),
      at: erasedAt.getTime(),
    })),
  );
  return { authors: refs.length, messages: rows.length };
}

/** Remembers message digests as erased (in digest order: concurrent transactions wait, never deadlock). */
async function insertErasedMessages(
  client: Queryable,
  erased: readonly { readonly digest: Buffer; readonly at: number }[],
): Promise<void> {
  if (erased.length === 0) return;
  const sorted = [...erased].sort((a, b) => Buffer.compare(a.digest, b.digest));
  await client.query(
    `insert into erased_messages (subject_digest, erased_at)
     select d, timestamptz 'epoch' + ms * interval '1 millisecond' from unnest($1::bytea[], $2::float8[]) as u(d, ms)
     on conflict do nothing`,
    [sorted.map((e) => e.digest), arrayColumn(sorted, (e) => e.at)],
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function eraseMessage(
  client: PoolClient,
  brandId: string,
  messageId: string,
): Promise<{ authors: number; messages: number }> {
  // The author of a message whose platform does not name it (`unnamedAuthor`: `instagram-mention:<id>`) goes with
  // the message, which would otherwise keep the erased id; only one of that shape, with no other message.
  const { rows } = await client.query<{ authors: number; messages: number }>(
    `with erased as (
       delete from author_identities where kind = 'message' and brand_id = $1 and clear_value = $2
       returning author_ref),
     placeholders as (
       delete from author_identities a using erased e
        where a.ref = e.author_ref and a.kind = 'author' and a.clear_value ~ '^[a-z]+-mention:'
          and substr(a.clear_value, strpos(a.clear_value, ':') + 1) = $2
          and not exists (select 1 from author_identities m
                           where m.author_ref = a.ref and m.kind = 'message' and m.clear_value <> $2)
       returning a.ref)
     select (select count(*) from placeholders)::int as authors, (select count(*) from erased)::int as messages`,
    [brandId, messageId],
  );
  return { authors: rows[0]?.authors ?? 0, messages: rows[0]?.messages ?? 0 };
}

function recordOf(row: ErasureRow): ErasureRecord {
  return {
    erasureId: row.erasure_id,
    status: 'completed',
    source: row.source,
    requestedAt: row.requested_at.toISOString(),
    completedAt: row.completed_at.toISOString(),
    brandId: row.brand_id,
    subject: row.subject,
    authorsErased: row.authors_erased,
    messagesErased: row.messages_erased,
  };
}
