import { describe, expect, it } from 'vitest';
import type { MentionRef, SlaChange } from './conversation.ts';
import { fromDerivedEvent, toDerivedEvent } from './derived-changes.ts';

const mention: MentionRef = {
  mentionEventId: 'm1',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'c1',
  messageId: 'msg1',
  authorId: 'cust',
  kind: 'complaint',
  sentiment: -0.5,
  followers: 120,
  private: false,
  receivedAt: 1_000,
};

const changes: SlaChange[] = [
  { type: 'mention-counted', mention },
  {
    type: 'mention-answered',
    mention,
    replyEventId: 'r1',
    agentId: 'a1',
    sentAt: 5_000,
    responseMs: 4_000,
    businessResponseMs: null,
  },
  {
    type: 'answer-retracted',
    mention,
    replyEventId: 'r1',
    agentId: 'a1',
    sentAt: 5_000,
    responseMs: 4_000,
    businessResponseMs: 2_000,
  },
  { type: 'mention-expired', mention, expiredAt: 9_000 },
  { type: 'expiry-retracted', mention, expiredAt: 9_000 },
  { type: 'target-breached', mention, breachedAt: 4_600 },
];

describe('derived SLA events', () => {
  it.each(changes)('round-trips a $type change', (change) => {
    const derived = toDerivedEvent(change, 3_600_000);
    expect(derived).not.toBeNull();
    expect(fromDerivedEvent(derived!)).toEqual(change);
  });

  it('gives every change of a mention its own deterministic id', () => {
    const ids = changes.map((change) => toDerivedEvent(change, 1)?.eventId);
    expect(new Set(ids).size).toBe(changes.length);
    expect(toDerivedEvent(changes[1]!, 1)?.eventId).toBe('m1:answered:r1');
  });

  it('derives nothing from reply counts', () => {
    const reply: SlaChange = {
      type: 'reply-counted',
      brandId: 'acme',
      channel: 'x',
      conversationId: 'c1',
      replyEventId: 'r1',
      agentId: 'a1',
      sentAt: 5,
      automated: false,
    };
    expect(toDerivedEvent(reply, 1)).toBeNull();
  });
});
