import type { MentionReceived, ReplySent } from '@carestream/contract';
import { identityKey, newReference, newTextKey, type ResolvedIdentities } from '@carestream/erasure';
import { describe, expect, it } from 'vitest';
import { mapMetaWebhook } from './meta-webhook.ts';
import {
  erasedWebhookEvents,
  identitiesNamed,
  platformIdsNeeded,
  withPlatformReferences,
} from './platform-ids.ts';
import { mapXWebhook } from './x-webhook.ts';

const options = { brandForAccount: (account: string) => (account === '3001' ? 'acme' : undefined) };
const tweet = (id: string, user: string, repliesTo: string | null = null) => ({
  id_str: id,
  text: `tweet ${id}`,
  timestamp_ms: '1795000000000',
  in_reply_to_status_id_str: repliesTo,
  user: { id_str: user, followers_count: 10 },
});
const dm = (id: string, sender: string, recipient: string) => ({
  type: 'message_create',
  id,
  created_timestamp: '1795000000000',
  message_create: { sender_id: sender, target: { recipient_id: recipient }, message_data: { text: 'hi' } },
});

/** What the vault would answer: one reference per brand and value. */
function resolve(needed: ReturnType<typeof platformIdsNeeded>): ResolvedIdentities {
  return {
    authors: new Map(
      needed.authors.map((n) => [identityKey(n.brandId, n.clearValue), newReference('author')]),
    ),
    messages: new Map(
      needed.messages.map((n) => [
        identityKey(n.brandId, n.clearValue),
        { ref: newReference('message'), textKey: newTextKey() },
      ]),
    ),
  };
}

describe('platform ids', () => {
  it('given a customer tweet and the brand reply to it, then both meet in the tweet’s reference', () => {
    const { events } = mapXWebhook(
      { for_user_id: '3001', tweet_create_events: [tweet('701', '42'), tweet('702', '3001', '701')] },
      options,
    );
    const needed = platformIdsNeeded(events);
    expect(needed).toEqual({
      authors: [],
      messages: [{ brandId: 'acme', clearValue: '701', authorId: '42' }],
    });
    const resolved = resolve(needed);
    const [mention, reply] = withPlatformReferences(events, resolved) as [MentionReceived, ReplySent];
    const ref = resolved.messages.get(identityKey('acme', '701'))?.ref;
    expect(mention.conversationId).toBe(ref);
    expect(mention.eventId).toBe(`x:tweet:${ref}`);
    expect(reply.conversationId).toBe(ref);
    expect(reply.eventId).toBe('x:tweet:702'); // the brand's own
    expect(JSON.stringify([mention.conversationId, mention.eventId, reply.conversationId])).not.toMatch(
      /701/,
    );
  });

  it('given a DM from a customer and the brand’s answer, then both meet in the customer’s reference', () => {
    const { events } = mapXWebhook(
      { for_user_id: '3001', direct_message_events: [dm('801', '42', '3001'), dm('802', '3001', '42')] },
      options,
    );
    const resolved = resolve(platformIdsNeeded(events));
    const [mention, reply] = withPlatformReferences(events, resolved) as [MentionReceived, ReplySent];
    const customer = resolved.authors.get(identityKey('acme', '42'));
    expect(mention.conversationId).toBe(customer);
    expect(reply.conversationId).toBe(customer);
    expect(mention.eventId).toBe(`x:dm:${resolved.messages.get(identityKey('acme', '801'))?.ref}`);
    expect(reply.eventId).toBe('x:dm:802');
  });

  it('refuses to publish an id it has no reference for', () => {
    const { events } = mapXWebhook(
      { for_user_id: '3001', tweet_create_events: [tweet('701', '42')] },
      options,
    );
    expect(() => withPlatformReferences(events, { authors: new Map(), messages: new Map() })).toThrow(
      /no resolved reference/,
    );
  });

  it('given a Messenger conversation, then the customer’s message and the page’s echo meet in the customer’s reference', () => {
    const messaging = (sender: string, recipient: string, mid: string, echo: boolean) => ({
      sender: { id: sender },
      recipient: { id: recipient },
      timestamp: 1_795_000_000_000,
      message: { mid, text: 'hello', ...(echo ? { is_echo: true } : {}) },
    });
    const { events } = mapMetaWebhook(
      {
        object: 'page',
        entry: [
          {
            id: '3001',
            time: 1_795_000_000_000,
            messaging: [messaging('55', '3001', 'm-1', false), messaging('3001', '55', 'm-2', true)],
          },
        ],
      },
      options,
    );
    const resolved = resolve(platformIdsNeeded(events));
    const [mention, reply] = withPlatformReferences(events, resolved) as [MentionReceived, ReplySent];
    const customer = resolved.authors.get(identityKey('acme', '55'));
    expect(mention.conversationId).toBe(customer);
    expect(reply.conversationId).toBe(customer);
    expect(mention.eventId).toBe(`meta:mid:${resolved.messages.get(identityKey('acme', 'm-1'))?.ref}`);
  });

  it('leaves events whose ids are not built from platform ids as they are', () => {
    const { events } = mapXWebhook(
      { for_user_id: '3001', tweet_create_events: [tweet('701', '42')] },
      options,
    );
    const own = events.map((event) => ({ ...event, eventId: 'sent-by-a-client' }));
    expect(platformIdsNeeded(own)).toEqual({ authors: [], messages: [] });
    expect(withPlatformReferences(own, { authors: new Map(), messages: new Map() })).toEqual(own);
  });

  it('given erased customers and tweets, then their deliveries and the replies in their conversations are skipped', () => {
    const { events } = mapXWebhook(
      {
        for_user_id: '3001',
        tweet_create_events: [tweet('701', '42'), tweet('702', '3001', '701'), tweet('703', '43')],
        direct_message_events: [dm('801', '44', '3001'), dm('802', '3001', '44')],
      },
      options,
    );
    // Everything the events name, their own ids and the platform's.
    expect(identitiesNamed(events).messages.map((need) => need.clearValue)).toEqual(
      expect.arrayContaining(['701', '703', '801']),
    );
    const skipped = erasedWebhookEvents(events, {
      authors: new Map([[identityKey('acme', '44'), 1_795_000_000_001]]), // after the DMs were written
      messages: new Set([identityKey('acme', '701')]),
    });
    expect([...skipped].map(([index, { field }]) => [events[index]?.eventId, field])).toEqual([
      ['x:tweet:701', 'messageId'],
      ['x:dm:801', 'authorId'],
      ['x:tweet:702', 'conversationId'],
      ['x:dm:802', 'conversationId'],
    ]);
    // A customer erased before they wrote is new data.
    expect(
      erasedWebhookEvents(events, {
        authors: new Map([[identityKey('acme', '44'), 1_794_999_999_999]]),
        messages: new Set(),
      }).size,
    ).toBe(0);
  });
});
