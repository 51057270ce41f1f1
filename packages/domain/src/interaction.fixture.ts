import type { MentionReceived, ReplySent } from '@carestream/contract';

/**
 * Builders for test events with sensible defaults (brand b1, conversation c1, a customer's question on x).
 * Test support only; not part of the public surface.
 */
export function mention(
  overrides: Partial<MentionReceived> & { eventId: string; receivedAt: number },
): MentionReceived {
  return {
    type: 'MentionReceived',
    brandId: 'b1',
    channel: 'x',
    conversationId: 'c1',
    messageId: `m-${overrides.eventId}`,
    authorId: 'customer-1',
    kind: 'question',
    needsResponse: true,
    sentiment: null,
    authorFollowers: null,
    private: false,
    text: null,
    ...overrides,
  };
}

export function reply(overrides: Partial<ReplySent> & { eventId: string; sentAt: number }): ReplySent {
  return {
    type: 'ReplySent',
    brandId: 'b1',
    channel: 'x',
    conversationId: 'c1',
    messageId: `r-${overrides.eventId}`,
    inReplyTo: null,
    agentId: 'agent-1',
    automated: false,
    private: false,
    ...overrides,
  };
}
