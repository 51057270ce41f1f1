// The ids the X and Meta adapters build from a person's platform ids, replaced by the references of that person
// or message (@carestream/erasure), so that erasing them leaves nothing that names them. The adapters key a
// direct message's conversation by the customer's user id (both directions) and a public conversation by a
// message id (X: the customer's tweet, or the tweet a brand reply answers; Meta: the thread's first comment or
// the post), and a mention's event id is `<prefix><platform message id>`. All of these become the references
// of the same author or message, so a mention and the brand's reply still meet in one conversation, in any
// order, and a redelivery still carries the same event id. The brand's own ids (a reply's or a post's event id)
// stay as they are. Pure: ingest's webhook route resolves the references.
import type { CareEvent, MentionReceived, ReplySent } from '@carestream/contract';
import {
  erasedParts,
  identitiesNeeded,
  identityKey,
  type ErasedValues,
  type IdentitiesNeeded,
  type IdentityNeed,
  type MessageNeed,
  type ResolvedIdentities,
} from '@carestream/erasure';

/** Event id prefixes of direct messages: their conversation is the customer. */
const DIRECT_MESSAGE_PREFIXES = ['x:dm:', 'meta:mid:'];
/** Event id prefixes of public messages: their conversation is a message. */
const PUBLIC_PREFIXES = ['x:tweet:', 'meta:comment:', 'meta:post:', 'meta:media:'];

interface PlatformId {
  readonly prefix: string;
  readonly value: string;
  readonly directMessage: boolean;
}

function platformIdOf(eventId: string): PlatformId | undefined {
  for (const [prefixes, directMessage] of [
    [DIRECT_MESSAGE_PREFIXES, true],
    [PUBLIC_PREFIXES, false],
  ] as const) {
    const prefix = prefixes.find((candidate) => eventId.startsWith(candidate));
    if (prefix !== undefined) return { prefix, value: eventId.slice(prefix.length), directMessage };
  }
  return undefined;
}

export function platformIdsNeeded(events: readonly CareEvent[]): IdentitiesNeeded {
  const authors: IdentityNeed[] = [];
  const messages: MessageNeed[] = [];
  for (const event of events) {
    if (event.type !== 'MentionReceived' && event.type !== 'ReplySent') continue;
    const platform = platformIdOf(event.eventId);
    if (platform === undefined) continue;
    const conversation = { brandId: event.brandId, clearValue: event.conversationId };
    if (platform.directMessage) authors.push(conversation);
    else messages.push({ ...conversation, authorId: null });
    if (event.type === 'MentionReceived')
      messages.push({ brandId: event.brandId, clearValue: platform.value, authorId: event.authorId });
  }
  return { authors, messages: unique(messages) };
}

// One need per message, the one naming an author first (it gives the message its author).
function unique(needs: readonly MessageNeed[]): MessageNeed[] {
  const byKey = new Map<string, MessageNeed>();
  for (const need of needs) {
    const key = identityKey(need.brandId, need.clearValue);
    if (need.authorId !== null || !byKey.has(key)) byKey.set(key, need);
  }
  return [...byKey.values()];
}

export function withPlatformReferences(
  events: readonly CareEvent[],
  resolved: ResolvedIdentities,
): CareEvent[] {
  const author = (brandId: string, value: string) =>
    required(resolved.authors.get(identityKey(brandId, value)));
  const message = (brandId: string, value: string) =>
    required(resolved.messages.get(identityKey(brandId, value))?.ref);
  return events.map((event): CareEvent => {
    if (event.type !== 'MentionReceived' && event.type !== 'ReplySent') return event;
    const platform = platformIdOf(event.eventId);
    if (platform === undefined) return event;
    const conversationId = platform.directMessage
      ? author(event.brandId, event.conversationId)
      : message(event.brandId, event.conversationId);
    if (event.type === 'ReplySent') {
      const reply: ReplySent = { ...event, conversationId };
      return reply;
    }
    const mention: MentionReceived = {
      ...event,
      conversationId,
      eventId: `${platform.prefix}${message(event.brandId, platform.value)}`,
    };
    return mention;
  });
}

function required(ref: string | undefined): string {
  if (ref === undefined) throw new Error('a platform id has no resolved reference');
  return ref;
}

/**
 * The webhook events that name something an erasure removed, with why, by index: a mention whose author (written
 * before the erasure) or message was erased, and an event whose conversation is an erased message, or a direct
 * message conversation with a customer erased after the event. Skipped, as their ids (built from the platform's)
 * would otherwise be stored again. A platform delivers as things happen, so these are mostly redeliveries; a new
 * comment under an erased one is skipped too (docs/operations.md, "Erasure").
 */
export function erasedWebhookEvents(
  events: readonly CareEvent[],
  erased: ErasedValues,
): Map<number, { field: string; message: string }> {
  const found = new Map<number, { field: string; message: string }>();
  for (const [index, part] of erasedParts(events, erased)) {
    const event = events[index];
    if (event?.type !== 'MentionReceived') continue;
    const messageErased = erased.messages.has(identityKey(event.brandId, event.messageId));
    found.set(
      index,
      part.author && !messageErased
        ? {
            field: 'authorId',
            message: 'names an author erased after this was written; it is not taken again',
          }
        : { field: 'messageId', message: 'names an erased message; it is not taken again' },
    );
  }
  events.forEach((event, index) => {
    if (found.has(index) || (event.type !== 'MentionReceived' && event.type !== 'ReplySent')) return;
    const platform = platformIdOf(event.eventId);
    if (platform === undefined) return;
    const key = identityKey(event.brandId, event.conversationId);
    const at = event.type === 'MentionReceived' ? event.receivedAt : event.sentAt;
    const erasedConversation = platform.directMessage
      ? (erased.authors.get(key) ?? -Infinity) > at
      : erased.messages.has(key);
    if (erasedConversation)
      found.set(index, {
        field: 'conversationId',
        message: 'names an erased conversation; it is not taken again',
      });
  });
  return found;
}

/** The identities the events name: their own ids and those the adapters built from platform ids. */
export function identitiesNamed(events: readonly CareEvent[]): IdentitiesNeeded {
  const own = identitiesNeeded(events);
  const platform = platformIdsNeeded(events);
  return {
    authors: [...own.authors, ...platform.authors],
    messages: [...own.messages, ...platform.messages],
  };
}
