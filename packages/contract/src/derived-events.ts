// Events the SLA processor derives from the facts, published to the sla-derived topic (keyed like the
// interactions, so a mention's derived events stay in order) and folded by the churn processor.
import type { Channel, MentionKind } from './events.ts';

export const SLA_CHANGE_TYPES = [
  'mention-counted',
  'mention-uncounted',
  'mention-answered',
  'answer-retracted',
  'mention-expired',
  'expiry-retracted',
  'target-breached',
  'breach-retracted',
] as const;
export type SlaChangeType = (typeof SLA_CHANGE_TYPES)[number];

/**
 * One change to a mention's SLA status: counted (needs a response), first response measured, that measure
 * retracted (an earlier reply arrived late), expired (ignored), expiry retracted, target breached.
 */
export interface SlaChangeDerived {
  readonly type: 'SlaChangeDerived';
  /** Deterministic: the mention's eventId, the change and what caused it, so a replay derives the same ids. */
  readonly eventId: string;
  readonly changeType: SlaChangeType;
  readonly brandId: string;
  readonly channel: Channel;
  readonly conversationId: string;
  readonly mentionEventId: string;
  readonly messageId: string;
  readonly authorId: string;
  readonly kind: MentionKind;
  readonly sentiment: number | null;
  readonly followers: number | null;
  readonly private: boolean;
  readonly receivedAt: number;
  /** When the change happened: the reply's sentAt, the expiry or breach time, or receivedAt when counted. */
  readonly at: number;
  readonly replyEventId: string | null;
  readonly agentId: string | null;
  readonly responseMs: number | null;
  readonly businessResponseMs: number | null;
  /** The brand's SLA target when the change was derived: late versus timely. */
  readonly slaTargetMs: number;
}
