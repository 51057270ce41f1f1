import type { BrandProfileSet, CareEvent, MentionReceived, ReplySent } from '@carestream/contract';
import type { ErasedValues } from './erasure-log.ts';
import { isUnnamedAuthorOf, newReference } from './references.ts';
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

/**
 * The parts of an event that name what an erasure removed: its author (a mention written before its author's
 * erasure), its message (a mention's own, erased alone or with its author; a reply's `inReplyTo`), the own
 * accounts of a profile set before their erasure.
 */
export interface ErasedPart {
  readonly author: boolean;
  readonly message: boolean;
  readonly accounts?: ReadonlySet<string>;
}

/**
 * Which events name an erased author or message, by index. An erasure stays done: those parts are never stored
 * again, and the event goes out with references that were never stored (as if it had come before the erasure and
 * been erased with the rest), so it still counts once in every figure. An author writing after the erasure is new
 * data. A mention's message goes with an erased author, for every event here that names it.
 */
export function erasedParts(events: readonly CareEvent[], erased: ErasedValues): Map<number, ErasedPart> {
  const parts = new Map<number, ErasedPart>();
  if (erased.authors.size === 0 && erased.messages.size === 0) return parts;
  const erasedBefore = (brandId: string, authorId: string, writtenAt: number) => {
    const erasedAt = erased.authors.get(identityKey(brandId, authorId));
    return isPersonal(brandId, authorId) && erasedAt !== undefined && writtenAt < erasedAt;
  };
  // First the messages that go with their authors, so that the order of the events does not matter.
  const messages = new Set(erased.messages);
  for (const event of events)
    if (event.type === 'MentionReceived' && erasedBefore(event.brandId, event.authorId, event.receivedAt))
      messages.add(identityKey(event.brandId, event.messageId));
  events.forEach((event, index) => {
    if (event.type === 'MentionReceived') {
      const message = messages.has(identityKey(event.brandId, event.messageId));
      // An author known only as the author of an erased message goes with it (unnamedAuthor).
      const author =
        erasedBefore(event.brandId, event.authorId, event.receivedAt) ||
        (message && isUnnamedAuthorOf(event.authorId, event.messageId));
      if (author || message) parts.set(index, { author, message: true });
    } else if (event.type === 'ReplySent') {
      if (event.inReplyTo !== null && messages.has(identityKey(event.brandId, event.inReplyTo)))
        parts.set(index, { author: false, message: true });
    } else if (event.type === 'BrandProfileSet') {
      const accounts = new Set(
        event.ownAccountIds.filter((account) => erasedBefore(event.brandId, account, event.setAt)),
      );
      if (accounts.size > 0) parts.set(index, { author: false, message: false, accounts });
    }
  });
  return parts;
}

/**
 * Which author ids and message ids of these events must be replaced (each once, in a stable order), leaving out
 * the erased parts.
 */
export function identitiesNeeded(
  events: readonly CareEvent[],
  erased: ReadonlyMap<number, ErasedPart> = new Map(),
): IdentitiesNeeded {
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
  events.forEach((event, index) => {
    const part = erased.get(index);
    if (event.type === 'MentionReceived') {
      if (part?.author !== true) author(event.brandId, event.authorId);
      if (part?.message !== true)
        message(
          event.brandId,
          event.messageId,
          isPersonal(event.brandId, event.authorId) ? event.authorId : null,
        );
    } else if (event.type === 'ReplySent' && event.inReplyTo !== null && part?.message !== true) {
      message(event.brandId, event.inReplyTo, null);
    } else if (event.type === 'BrandProfileSet') {
      for (const account of event.ownAccountIds)
        if (part?.accounts?.has(account) !== true) author(event.brandId, account);
    }
  });
  const order = (a: IdentityNeed, b: IdentityNeed) =>
    a.brandId === b.brandId ? compare(a.clearValue, b.clearValue) : compare(a.brandId, b.brandId);
  return { authors: [...authors.values()].sort(order), messages: [...messages.values()].sort(order) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The events as they go to Kafka: author and message ids replaced by references, texts sealed. An erased part gets
 * a reference that is stored nowhere (the same one for the same value within these events) and a mention with an
 * erased message loses its text.
 */
export function pseudonymizeEvents(
  events: readonly CareEvent[],
  resolved: ResolvedIdentities,
  erased: ReadonlyMap<number, ErasedPart> = new Map(),
): CareEvent[] {
  const authorRef = (brandId: string, authorId: string): string =>
    isPersonal(brandId, authorId) ? required(resolved.authors, brandId, authorId) : authorId;
  const message = (brandId: string, messageId: string) => required(resolved.messages, brandId, messageId);
  const unstored = new Map<string, string>();
  const unstoredRef = (kind: 'author' | 'message', brandId: string, value: string): string => {
    const key = `${kind}\u0000${identityKey(brandId, value)}`;
    let ref = unstored.get(key);
    if (ref === undefined) unstored.set(key, (ref = newReference(kind)));
    return ref;
  };
  return events.map((event, index): CareEvent => {
    const part = erased.get(index);
    switch (event.type) {
      case 'MentionReceived': {
        const authorId = part?.author
          ? unstoredRef('author', event.brandId, event.authorId)
          : authorRef(event.brandId, event.authorId);
        if (part?.message) {
          const mention: MentionReceived = {
            ...event,
            authorId,
            messageId: unstoredRef('message', event.brandId, event.messageId),
            text: null,
          };
          return mention;
        }
        const sealed = message(event.brandId, event.messageId);
        const mention: MentionReceived = {
          ...event,
          authorId,
          messageId: sealed.ref,
          text: event.text === null ? null : sealText(event.text, sealed.textKey, sealed.ref),
        };
        return mention;
      }
      case 'ReplySent': {
        if (event.inReplyTo === null) return event;
        const inReplyTo = part?.message
          ? unstoredRef('message', event.brandId, event.inReplyTo)
          : message(event.brandId, event.inReplyTo).ref;
        const reply: ReplySent = { ...event, inReplyTo };
        return reply;
      }
      case 'BrandProfileSet': {
        const profile: BrandProfileSet = {
          ...event,
          ownAccountIds: event.ownAccountIds.map((account) =>
            part?.accounts?.has(account) === true
              ? unstoredRef('author', event.brandId, account)
              : authorRef(event.brandId, account),
          ),
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
