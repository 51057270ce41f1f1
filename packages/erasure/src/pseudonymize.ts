import type { BrandProfileSet, CareEvent, MentionReceived, ReplySent } from '@carestream/contract';
import { sealText } from './sealed-text.ts';

/** A value to be replaced by a reference: an author id, or a message id with the author it belongs to. */
export interface IdentityNeed {
  readonly brandId: string;
  readonly clearValue: string;
}
export interface MessageNeed extends IdentityNeed {
  /** The author's clear id, when a mention says it (a reply's inReplyTo does not). */
  readonly authorId: string | null;
}
export interface IdentitiesNeeded {
  readonly authors: readonly IdentityNeed[];
  readonly messages: readonly MessageNeed[];
}

/** References found or created for the needs, keyed by `identityKey`. */
export interface ResolvedIdentities {
  readonly authors: ReadonlyMap<string, string>;
  readonly messages: ReadonlyMap<string, { readonly ref: string; readonly textKey: Buffer }>;
}

export function identityKey(brandId: string, clearValue: string): string {
  return `${brandId}\u0000${clearValue}`;
}

// The brand itself is no person: a mention whose author id is the brand id keeps it, as the SLA fold compares the
// two (such mentions never need a response). The brand's own accounts are replaced like any author, in the
// profile and in the mentions alike, so the fold still recognises them.
export const isPersonal = (brandId: string, authorId: string) => authorId !== brandId;

/** Which author ids and message ids of these events must be replaced (each once, in a stable order). */
export function identitiesNeeded(events: readonly CareEvent[]): IdentitiesNeeded {
  const authors = new Map<string, IdentityNeed>();
  const messages = new Map<string, MessageNeed>();
  const author = (brandId: string, clearValue: string) => {
    if (isPersonal(brandId, clearValue))
      authors.set(identityKey(brandId, clearValue), { brandId, clearValue });
  };
  const message = (brandId: string, clearValue: string, authorId: string | null) => {
    const key = identityKey(brandId, clearValue);
    if (authorId !== null || !messages.has(key)) messages.set(key, { brandId, clearValue, authorId });
  };
  for (const event of events) {
    if (event.type === 'MentionReceived') {
      author(event.brandId, event.authorId);
      message(
        event.brandId,
        event.messageId,
        isPersonal(event.brandId, event.authorId) ? event.authorId : null,
      );
    } else if (event.type === 'ReplySent' && event.inReplyTo !== null) {
      message(event.brandId, event.inReplyTo, null);
    } else if (event.type === 'BrandProfileSet') {
      for (const account of event.ownAccountIds) author(event.brandId, account);
    }
  }
  const order = (a: IdentityNeed, b: IdentityNeed) =>
    a.brandId === b.brandId ? compare(a.clearValue, b.clearValue) : compare(a.brandId, b.brandId);
  return { authors: [...authors.values()].sort(order), messages: [...messages.values()].sort(order) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The events as they go to Kafka: author and message ids replaced by references, texts sealed. */
export function pseudonymizeEvents(events: readonly CareEvent[], resolved: ResolvedIdentities): CareEvent[] {
  const authorRef = (brandId: string, authorId: string): string =>
    isPersonal(brandId, authorId) ? required(resolved.authors, brandId, authorId) : authorId;
  const message = (brandId: string, messageId: string) => required(resolved.messages, brandId, messageId);
  return events.map((event): CareEvent => {
    switch (event.type) {
      case 'MentionReceived': {
        const sealed = message(event.brandId, event.messageId);
        const mention: MentionReceived = {
          ...event,
          authorId: authorRef(event.brandId, event.authorId),
          messageId: sealed.ref,
          text: event.text === null ? null : sealText(event.text, sealed.textKey, sealed.ref),
        };
        return mention;
      }
      case 'ReplySent': {
        if (event.inReplyTo === null) return event;
        const reply: ReplySent = { ...event, inReplyTo: message(event.brandId, event.inReplyTo).ref };
        return reply;
      }
      case 'BrandProfileSet': {
        const profile: BrandProfileSet = {
          ...event,
          ownAccountIds: event.ownAccountIds.map((account) => authorRef(event.brandId, account)),
        };
        return profile;
      }
      case 'BrandPostPublished':
        return event;
    }
  });
}

function required<T>(map: ReadonlyMap<string, T>, brandId: string, value: string): T {
  const found = map.get(identityKey(brandId, value));
  if (found === undefined) throw new Error(`no reference was resolved for a value of brand ${brandId}`);
  return found;
}
