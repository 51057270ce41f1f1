import { createHmac, randomUUID } from 'node:crypto';
import type { CareEvent } from '@carestream/contract';
import { withTransaction, type Pool, type PoolClient } from '@carestream/postgres';
import { onIdentities } from './database-faults.ts';
import type { ErasureSource, ErasureSubject } from './erasure-request.ts';
import { isPersonal } from './pseudonymize.ts';
import { isReference } from './references.ts';

/** Why an event is not taken: it would bring back what an erasure removed. */
export interface ErasedSubject {
  readonly field: 'authorId' | 'messageId';
  readonly message: string;
}

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

/** Erases authors and messages (deleting their identities and text keys) and keeps the audit log. */
export class ErasureLog {
  private digestKey: Promise<Buffer> | undefined;
  /** Whether any erasure has been logged (by any process): until one is, no event needs its digests computed. */
  private anyErasure = false;

  constructor(
    private readonly pool: Pool,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The digest key, read once per process (it never changes). */
  async key(): Promise<Buffer> {
    this.digestKey ??= onIdentities(() =>
      this.pool.query<{ hmac_key: Buffer }>('select hmac_key from erasure_digest_key'),
    ).then(({ rows }) => {
      const key = rows[0]?.hmac_key;
      if (key === undefined) throw new Error('erasure_digest_key is empty: migration 0007 did not run');
      return key;
    });
    this.digestKey.catch(() => (this.digestKey = undefined));
    return this.digestKey;
  }

  /**
   * The events that would bring back what an erasure removed, by their index: a mention whose message was erased,
   * or whose author was erased after the mention was written (a platform redelivering an old message, a history
   * file sent again). Ingest refuses them before their identities are stored again. A mention the author wrote
   * after the erasure is new, and taken.
   */
  async erasedSubjects(events: readonly CareEvent[]): Promise<Map<number, ErasedSubject>> {
    const refused = new Map<number, ErasedSubject>();
    const mentions = events.flatMap((event, index) =>
      event.type === 'MentionReceived' ? [{ event, index }] : [],
    );
    if (mentions.length === 0) return refused;
    // Three HMACs a mention (~3 µs each) are spared while nothing was ever erased; an erasure is never undone.
    if (!this.anyErasure) {
      const { rows } = await onIdentities(() =>
        this.pool.query<{ found: boolean }>('select exists (select 1 from erasures) as found'),
      );
      if (rows[0]?.found !== true) return refused;
      this.anyErasure = true;
    }
    const key = await this.key();
    const subjects = mentions.map(({ event }) => ({
      author:
        isPersonal(event.brandId, event.authorId) && !isReference(event.authorId)
          ? digestsOf(key, event.brandId, 'author', event.authorId)
          : [],
      message: isReference(event.messageId)
        ? []
        : [subjectDigest(key, event.brandId, 'message', event.messageId)],
    }));
    const all = subjects.flatMap(({ author, message }) => [...author, ...message]);
    const { rows } = await onIdentities(() =>
      this.pool.query<{ subject_digest: Buffer; last: Date }>(
        `select subject_digest, max(requested_at) as last from erasures where subject_digest = any($1)
          group by subject_digest`,
        [all],
      ),
    );
    if (rows.length === 0) return refused;
    const erasedAt = new Map(rows.map((row) => [row.subject_digest.toString('hex'), row.last]));
    const latest = (digests: readonly Buffer[]) =>
      digests
        .map((digest) => erasedAt.get(digest.toString('hex')))
        .reduce<Date | undefined>(
          (a, b) => (a === undefined || (b !== undefined && b > a) ? b : a),
          undefined,
        );
    mentions.forEach(({ event, index }, i) => {
      const digests = subjects[i];
      if (digests === undefined) return;
      const message = latest(digests.message);
      if (message !== undefined) {
        refused.set(index, {
          field: 'messageId',
          message: `names a message erased on ${message.toISOString()}; an erased message is not taken again`,
        });
        return;
      }
      const author = latest(digests.author);
      if (author !== undefined && event.receivedAt < author.getTime())
        refused.set(index, {
          field: 'authorId',
          message: `names an author erased on ${author.toISOString()}, after this mention was written; it is not taken again`,
        });
    });
    return refused;
  }

  async erase(
    subject: ErasureSubject,
    request: { readonly source: ErasureSource; readonly requestedBy: string | null },
  ): Promise<ErasureRecord> {
    const key = await this.key();
    const requestedAt = new Date(this.clock());
    return onIdentities(() =>
      withTransaction(this.pool, async (client) => {
        const erased =
          subject.kind === 'author'
            ? await eraseAuthor(client, subject.brandId, subject.authorId)
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
  brandId: string | null,
  authorId: string,
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
  const { rows } = await client.query<{ messages: number }>(
    `with erased as (delete from author_identities where author_ref = any($1) or ref = any($1) returning kind)
     select (count(*) filter (where kind = 'message'))::int as messages from erased`,
    [refs],
  );
  return { authors: refs.length, messages: rows[0]?.messages ?? 0 };
}

async function eraseMessage(
  client: PoolClient,
  brandId: string,
  messageId: string,
): Promise<{ authors: number; messages: number }> {
  const { rowCount } = await client.query(
    `delete from author_identities where kind = 'message' and brand_id = $1 and clear_value = $2`,
    [brandId, messageId],
  );
  return { authors: 0, messages: rowCount ?? 0 };
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
