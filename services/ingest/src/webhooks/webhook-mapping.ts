// What the platform webhook mappers (x-webhook.ts, meta-webhook.ts) share.
import {
  describeDuration,
  eventIdProblem,
  olderThanRetention,
  printableId,
  withCleanText,
  type CareEvent,
  type ValidateOptions,
} from '@carestream/contract';

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

/**
 * When a mapped event happened, and the ingest field that says so, for the clock-skew and retention rules.
 * `heldToRetention` is false for a profile, as in `validateItem`: it describes the brand, whatever its age.
 */
function eventTime(event: CareEvent): { field: string; ms: number; heldToRetention: boolean } {
  switch (event.type) {
    case 'MentionReceived':
      return { field: 'receivedAt', ms: event.receivedAt, heldToRetention: true };
    case 'ReplySent':
      return { field: 'sentAt', ms: event.sentAt, heldToRetention: true };
    case 'BrandPostPublished':
      return { field: 'publishedAt', ms: event.publishedAt, heldToRetention: true };
    case 'BrandProfileSet':
      return { field: 'setAt', ms: event.setAt, heldToRetention: false };
  }
}

/**
 * Holds mapped events to the rules `POST /v1/events` applies to its items: ids of the id grammar (id-grammar.ts:
 * a platform id with a control character, or of 10 KB, is skipped, not published), free text cleaned, event
 * times no further ahead than the allowed clock skew and not older than the retention window. A signed webhook
 * is still outside data: one time far in the future would move its partition's watermark and expire every
 * conversation there, and one older than the window (a platform redelivering an old backlog) could no longer be
 * counted exactly. Events that break a rule are skipped, with the reason.
 */
export function admitMappedEvents(result: WebhookMapResult, options: ValidateOptions): WebhookMapResult {
  const events: CareEvent[] = [];
  const skipped = [...result.skipped];
  for (const event of result.events) {
    const badId = eventIdProblem(event);
    const time = eventTime(event);
    const ahead = time.ms - options.nowMs;
    const tooOld = time.heldToRetention ? olderThanRetention(time.ms, options) : undefined;
    if (badId) {
      // The reason names the event by a printable prefix of its id: the id itself may be what is wrong.
      skipped.push({ reason: `${printableId(event.eventId)}: ${badId.field} ${badId.message}` });
    } else if (ahead > options.maxFutureSkewMs) {
      skipped.push({ reason: `${event.eventId}: its time is ${describeDuration(ahead)} in the future` });
    } else if (tooOld !== undefined) {
      skipped.push({
        reason: `${event.eventId}: its time (${time.field} ${new Date(time.ms).toISOString()}) ${tooOld}`,
      });
    } else {
      events.push(withCleanText(event));
    }
  }
  return { events, skipped };
}
