import type { Pool } from '@carestream/postgres';
import { onIdentities } from './database-faults.ts';
import { digestsOf, type ErasureLog } from './erasure-log.ts';
import { ERASED, isReference } from './references.ts';

// A reference alone, or ending an id after a prefix that ends in ':' (`x:tweet:msg_…`).
const EMBEDDED = /^((?:.*:)?)((?:au|msg)_[A-Za-z0-9_-]{22})$/;

/** The references inside conversation and event ids, to look up with the others. */
function embedded(...values: readonly string[]): string[] {
  return values.flatMap((value) => {
    const reference = EMBEDDED.exec(value)?.[2];
    return reference === undefined ? [] : [reference];
  });
}

/** What the API shows of a mention's author: the fields erasure concerns. */
export interface MentionIdentity {
  readonly mentionEventId: string;
  readonly conversationId: string;
  readonly authorId: string;
  readonly messageId: string;
  readonly followers: number | null;
}

/** A churn signal's evidence names the mention's message. */
export interface SignalIdentity {
  readonly evidence: { readonly mentionEventId: string; readonly messageId: string };
}

/**
 * The API's side of erasure: turns the references stored in the projections back into the clear ids when it
 * answers, and shows ERASED where the identity was erased. Clear ids (events a producer of its own wrote
 * straight to Kafka) are shown as they are unless the erasure log holds their digest.
 */
export class IdentityResolver {
  constructor(
    private readonly pool: Pool,
    private readonly erasures: ErasureLog,
  ) {}

  /** The mentions with their clear ids; an erased author's mention shows ERASED for author, message and audience. */
  async resolveMentions<T extends MentionIdentity>(brandId: string, mentions: readonly T[]): Promise<T[]> {
    const shown = await this.lookUp(
      brandId,
      mentions.map((mention) => mention.authorId),
      mentions.flatMap((mention) => [
        mention.messageId,
        ...embedded(mention.conversationId, mention.mentionEventId),
      ]),
    );
    return mentions.map((mention) => {
      const ids = {
        mentionEventId: shown.embedded(mention.mentionEventId),
        conversationId: shown.embedded(mention.conversationId),
      };
      const authorId = shown.author(mention.authorId);
      if (authorId === ERASED) return { ...mention, ...ids, authorId, messageId: ERASED, followers: null };
      return { ...mention, ...ids, authorId, messageId: shown.message(mention.messageId) };
    });
  }

  /**
   * Customers' signals keyed by clear author id. An erased customer is no one any more: it is left out (its
   * mentions still count in every figure).
   */
  async resolveCustomers<S extends SignalIdentity>(
    brandId: string,
    byAuthor: ReadonlyMap<string, readonly S[]>,
  ): Promise<Map<string, S[]>> {
    const signals = [...byAuthor.values()].flat();
    const shown = await this.lookUp(
      brandId,
      [...byAuthor.keys()],
      signals.flatMap((signal) => [signal.evidence.messageId, ...embedded(signal.evidence.mentionEventId)]),
    );
    const customers = new Map<string, S[]>();
    for (const [stored, authorSignals] of byAuthor) {
      const authorId = shown.author(stored);
      if (authorId === ERASED) continue;
      const resolved = authorSignals.map((signal) => ({
        ...signal,
        evidence: {
          ...signal.evidence,
          mentionEventId: shown.embedded(signal.evidence.mentionEventId),
          messageId: shown.message(signal.evidence.messageId),
        },
      }));
      customers.set(authorId, [...(customers.get(authorId) ?? []), ...resolved]);
    }
    return customers;
  }

  private async lookUp(
    brandId: string,
    authorValues: readonly string[],
    messageValues: readonly string[],
  ): Promise<{
    author(value: string): string;
    message(value: string): string;
    embedded(value: string): string;
  }> {
    const refs = [...new Set([...authorValues, ...messageValues].filter(isReference))];
    const clear = new Map<string, string>();
    if (refs.length > 0) {
      const { rows } = await onIdentities(() =>
        this.pool.query<{ ref: string; clear_value: string }>(
          // The brand's own references only: a reference is random, but a brand sees no other brand's values.
          'select ref, clear_value from author_identities where ref = any($1) and brand_id = $2',
          [refs, brandId],
        ),
      );
      for (const row of rows) clear.set(row.ref, row.clear_value);
    }
    const key = await this.erasures.key();
    const digests = new Map<string, Buffer[]>();
    for (const value of new Set(authorValues)) {
      if (!isReference(value)) digests.set(`author\u0000${value}`, digestsOf(key, brandId, 'author', value));
    }
    for (const value of new Set(messageValues)) {
      if (!isReference(value))
        digests.set(`message\u0000${value}`, digestsOf(key, brandId, 'message', value));
    }
    const erasedDigests = new Set<string>();
    const all = [...digests.values()].flat();
    if (all.length > 0) {
      const { rows } = await onIdentities(() =>
        this.pool.query<{ subject_digest: Buffer }>(
          'select subject_digest from erasures where subject_digest = any($1)',
          [all],
        ),
      );
      for (const row of rows) erasedDigests.add(row.subject_digest.toString('hex'));
    }
    const show = (kind: 'author' | 'message', value: string): string => {
      if (isReference(value)) return clear.get(value) ?? ERASED;
      const erased = (digests.get(`${kind}\u0000${value}`) ?? []).some((digest) =>
        erasedDigests.has(digest.toString('hex')),
      );
      return erased ? ERASED : value;
    };
    return {
      author: (value) => show('author', value),
      message: (value) => show('message', value),
      // Ids an adapter built from a reference (a conversation, `x:tweet:<reference>`): the clear id in its place.
      embedded: (value) => {
        const found = EMBEDDED.exec(value);
        if (found === null) return value;
        const clearValue = clear.get(found[2] ?? '');
        return clearValue === undefined ? ERASED : `${found[1] ?? ''}${clearValue}`;
      },
    };
  }
}
