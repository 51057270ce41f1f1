// The ids the X adapter builds from a person's platform ids, replaced by the references of that person or
// message (@carestream/erasure), so that erasing them leaves nothing that names them. x-webhook.ts keys a tweet's
// conversation by the customer's tweet id (a brand reply by the tweet it answers) and a DM conversation by the
// customer's user id (both directions), and a mention's event id is `x:tweet:<id>` or `x:dm:<id>`: all of these
// become the same references as the message or the author they are made of, so a mention and the brand's reply
// still meet in one conversation, in any order, and a redelivery still carries the same event id. The brand's
// own ids (a reply's or a post's event id) stay as they are. Pure: ingest's route resolves the references.
import type { CareEvent, MentionReceived, ReplySent } from '@carestream/contract';
import {
  identityKey,
  type IdentitiesNeeded,
  type IdentityNeed,
  type MessageNeed,
  type ResolvedIdentities,
} from '@carestream/erasure';

const TWEET = 'x:tweet:';
const DM = 'x:dm:';

/** A DM's conversation is a user (the customer); a tweet's is a message (the customer's tweet). */
const isDirectMessage = (event: { eventId: string }) => event.eventId.startsWith(DM);

export function xPlatformIdsNeeded(events: readonly CareEvent[]): IdentitiesNeeded {
  const authors: IdentityNeed[] = [];
  const messages: MessageNeed[] = [];
  for (const event of events) {
    if (event.type !== 'MentionReceived' && event.type !== 'ReplySent') continue;
    const conversation = { brandId: event.brandId, clearValue: event.conversationId };
    if (isDirectMessage(event)) authors.push(conversation);
    else messages.push({ ...conversation, authorId: null });
    if (event.type === 'MentionReceived')
      messages.push({ brandId: event.brandId, clearValue: event.messageId, authorId: event.authorId });
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

export function withXPlatformReferences(
  events: readonly CareEvent[],
  resolved: ResolvedIdentities,
): CareEvent[] {
  const author = (brandId: string, value: string) =>
    required(resolved.authors.get(identityKey(brandId, value)));
  const message = (brandId: string, value: string) =>
    required(resolved.messages.get(identityKey(brandId, value))?.ref);
  return events.map((event): CareEvent => {
    if (event.type !== 'MentionReceived' && event.type !== 'ReplySent') return event;
    const dm = isDirectMessage(event);
    const conversationId = dm
      ? author(event.brandId, event.conversationId)
      : message(event.brandId, event.conversationId);
    if (event.type === 'ReplySent') {
      const reply: ReplySent = { ...event, conversationId };
      return reply;
    }
    const mention: MentionReceived = {
      ...event,
      conversationId,
      eventId: `${dm ? DM : TWEET}${message(event.brandId, event.messageId)}`,
    };
    return mention;
  });
}

function required(ref: string | undefined): string {
  if (ref === undefined) throw new Error('an X platform id has no resolved reference');
  return ref;
}
