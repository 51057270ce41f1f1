// The facts carestream records. Timestamps are epoch milliseconds (UTC); the ingest API speaks ISO 8601
// and converts at the edge. Optional values are null rather than absent, as in the Avro schemas.

export const CHANNELS = [
  'x',
  'facebook',
  'instagram',
  'tiktok',
  'youtube',
  'linkedin',
  'email',
  'other',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const MENTION_KINDS = ['question', 'complaint', 'praise', 'other'] as const;
export type MentionKind = (typeof MENTION_KINDS)[number];

/** A customer's message to or about the brand. */
export interface MentionReceived {
  readonly type: 'MentionReceived';
  readonly eventId: string;
  readonly brandId: string;
  readonly channel: Channel;
  readonly conversationId: string;
  readonly messageId: string;
  readonly authorId: string;
  readonly receivedAt: number;
  readonly kind: MentionKind;
  /** Defaults from kind at ingest: questions and complaints need a response. */
  readonly needsResponse: boolean;
  /** -1 (negative) .. 1 (positive). */
  readonly sentiment: number | null;
  readonly authorFollowers: number | null;
  /** A DM rather than a public post or comment. */
  readonly private: boolean;
  readonly text: string | null;
}

/** The brand's answer in a conversation. */
export interface ReplySent {
  readonly type: 'ReplySent';
  readonly eventId: string;
  readonly brandId: string;
  readonly channel: Channel;
  readonly conversationId: string;
  readonly messageId: string;
  readonly inReplyTo: string | null;
  readonly agentId: string;
  readonly sentAt: number;
  /** Sent by a bot or an auto-rule: never counts as an answer. */
  readonly automated: boolean;
  readonly private: boolean;
}

/** A broadcast or promotional post, for the posts-per-reply ratio. */
export interface BrandPostPublished {
  readonly type: 'BrandPostPublished';
  readonly eventId: string;
  readonly brandId: string;
  readonly channel: Channel;
  readonly postId: string;
  readonly publishedAt: number;
}

/** Opening hours for one ISO weekday (1 = Monday .. 7 = Sunday), local time "HH:MM", close > open. */
export interface BusinessHoursRange {
  readonly weekday: number;
  readonly open: string;
  readonly close: string;
}

/** Reference data for a brand; the latest one per brandId wins (log-compacted topic). */
export interface BrandProfileSet {
  readonly type: 'BrandProfileSet';
  readonly eventId: string;
  readonly brandId: string;
  readonly name: string;
  /** Lower-case slug such as retail, banking, sports. */
  readonly industry: string;
  /** IANA time zone, e.g. Europe/Paris. */
  readonly timezone: string;
  /** null: the brand keeps no business hours (every hour counts). */
  readonly businessHours: readonly BusinessHoursRange[] | null;
  readonly slaTargetSeconds: number;
  readonly customerValue: number | null;
  /** The brand's own account ids on the platforms: mentions by them never need a response. */
  readonly ownAccountIds: readonly string[];
  readonly setAt: number;
}

/** Mentions and replies share the interactions topic, keyed by brandId:conversationId. */
export type InteractionEvent = MentionReceived | ReplySent;
export type CareEvent = MentionReceived | ReplySent | BrandPostPublished | BrandProfileSet;

/**
 * What makes an event the same fact: its id within its brand (the same id for two brands is two events, e.g. a
 * tweet mentioning both). `brandId:eventId`, unambiguous because brand ids never contain ':'.
 */
export function eventIdentity(event: { brandId: string; eventId: string }): string {
  return `${event.brandId}:${event.eventId}`;
}

/** `brandId:conversationId`: unambiguous because brand ids never contain ':' (ingest refuses them). */
export function conversationKey(event: { brandId: string; conversationId: string }): string {
  return `${event.brandId}:${event.conversationId}`;
}
