import type { SlaChangeDerived } from '@carestream/contract';
import type { MentionRef, SlaChange } from './conversation.ts';

/** A mention-related SlaChange as the derived event published for other processors (churn); null for replies. */
export function toDerivedEvent(change: SlaChange, slaTargetMs: number): SlaChangeDerived | null {
  if (change.type === 'reply-counted') return null;
  const { mention } = change;
  const base = {
    type: 'SlaChangeDerived' as const,
    changeType: change.type,
    brandId: mention.brandId,
    channel: mention.channel,
    conversationId: mention.conversationId,
    mentionEventId: mention.mentionEventId,
    messageId: mention.messageId,
    authorId: mention.authorId,
    kind: mention.kind,
    sentiment: mention.sentiment,
    followers: mention.followers,
    private: mention.private,
    receivedAt: mention.receivedAt,
    slaTargetMs,
  };
  const none = { replyEventId: null, agentId: null, responseMs: null, businessResponseMs: null };
  switch (change.type) {
    case 'mention-counted':
    case 'mention-uncounted':
      return {
        ...base,
        ...none,
        eventId: `${mention.mentionEventId}:${change.type === 'mention-counted' ? 'counted' : 'uncounted'}`,
        at: mention.receivedAt,
      };
    case 'mention-answered':
    case 'answer-retracted':
      return {
        ...base,
        eventId: `${mention.mentionEventId}:${change.type === 'mention-answered' ? 'answered' : 'retracted'}:${change.replyEventId}`,
        at: change.sentAt,
        replyEventId: change.replyEventId,
        agentId: change.agentId,
        responseMs: change.responseMs,
        businessResponseMs: change.businessResponseMs,
      };
    case 'mention-expired':
    case 'expiry-retracted':
      return {
        ...base,
        ...none,
        eventId: `${mention.mentionEventId}:${change.type === 'mention-expired' ? 'expired' : 'unexpired'}`,
        at: change.expiredAt,
      };
    case 'target-breached':
    case 'breach-retracted':
      return {
        ...base,
        ...none,
        eventId: `${mention.mentionEventId}:${change.type === 'target-breached' ? 'breached' : 'unbreached'}`,
        at: change.breachedAt,
      };
  }
}

/** The SlaChange a derived event stands for: what the churn processor folds. */
export function fromDerivedEvent(derived: SlaChangeDerived): SlaChange {
  const mention: MentionRef = {
    mentionEventId: derived.mentionEventId,
    brandId: derived.brandId,
    channel: derived.channel,
    conversationId: derived.conversationId,
    messageId: derived.messageId,
    authorId: derived.authorId,
    kind: derived.kind,
    sentiment: derived.sentiment,
    followers: derived.followers,
    private: derived.private,
    receivedAt: derived.receivedAt,
  };
  switch (derived.changeType) {
    case 'mention-counted':
    case 'mention-uncounted':
      return { type: derived.changeType, mention };
    case 'mention-answered':
    case 'answer-retracted':
      return {
        type: derived.changeType,
        mention,
        replyEventId: derived.replyEventId ?? '',
        agentId: derived.agentId ?? '',
        sentAt: derived.at,
        responseMs: derived.responseMs ?? 0,
        businessResponseMs: derived.businessResponseMs,
      };
    case 'mention-expired':
    case 'expiry-retracted':
      return { type: derived.changeType, mention, expiredAt: derived.at };
    case 'target-breached':
    case 'breach-retracted':
      return { type: derived.changeType, mention, breachedAt: derived.at };
  }
}
