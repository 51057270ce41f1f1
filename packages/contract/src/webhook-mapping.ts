// What the platform webhook mappers (x-webhook.ts, meta-webhook.ts) share.
import type { CareEvent } from './events.ts';

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
