// What the platform webhook mappers (x-webhook.ts, meta-webhook.ts) share.
import type { CareEvent } from './events.ts';
import { MAX_ID_LENGTH, type ValidateOptions } from './ingest-validation.ts';
import { describeDuration } from './iso-timestamp.ts';

/** The brand that owns a platform account (an X user id, a Facebook page id, an Instagram account id). */
export type BrandForAccount = (platformAccountId: string) => string | undefined;

export interface WebhookMapOptions {
  readonly brandForAccount: BrandForAccount;
  /**
   * App ids whose messages are a bot's or an auto-rule's (X `source_app_id`, Meta echo `app_id`): replies sent
   * through them are marked automated. Replies through any other app count as a person's.
   */
  readonly automatedAppIds?: readonly string[];
}

export interface WebhookSkip {
  /** Why the item was not turned into an event, naming its platform id where it has one. */
  readonly reason: string;
}

export interface WebhookMapResult {
  readonly events: CareEvent[];
  readonly skipped: WebhookSkip[];
}

/** When a mapped event happened, for the clock-skew rule. */
function eventTime(event: CareEvent): number {
  switch (event.type) {
    case 'MentionReceived':
      return event.receivedAt;
    case 'ReplySent':
      return event.sentAt;
    case 'BrandPostPublished':
      return event.publishedAt;
    case 'BrandProfileSet':
      return event.setAt;
  }
}

/**
 * Holds mapped events to the rules `POST /v1/events` applies to its items: ids of at most MAX_ID_LENGTH
 * characters, and event times no further ahead than the allowed clock skew. A signed webhook is still outside
 * data: one time far in the future would move its partition's watermark and expire every conversation there.
 * Events that break a rule are skipped, with the reason.
 */
export function admitMappedEvents(result: WebhookMapResult, options: ValidateOptions): WebhookMapResult {
  const events: CareEvent[] = [];
  const skipped = [...result.skipped];
  for (const event of result.events) {
    const ids: [string, string | null][] = [
      ['eventId', event.eventId],
      ['brandId', event.brandId],
      ['conversationId', 'conversationId' in event ? event.conversationId : null],
      ['messageId', 'messageId' in event ? event.messageId : null],
      ['authorId', 'authorId' in event ? event.authorId : null],
      ['agentId', 'agentId' in event ? event.agentId : null],
    ];
    const tooLong = ids.find(([, id]) => id !== null && id.length > MAX_ID_LENGTH);
    const ahead = eventTime(event) - options.nowMs;
    if (tooLong) {
      skipped.push({
        reason: `${event.eventId.slice(0, 64)}: ${tooLong[0]} is longer than ${MAX_ID_LENGTH}`,
      });
    } else if (ahead > options.maxFutureSkewMs) {
      skipped.push({ reason: `${event.eventId}: its time is ${describeDuration(ahead)} in the future` });
    } else {
      events.push(event);
    }
  }
  return { events, skipped };
}
