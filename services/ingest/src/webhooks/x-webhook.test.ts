import { describe, expect, it } from 'vitest';
import directMessages from './fixtures/x-direct-message-events.json' with { type: 'json' };
import tweets from './fixtures/x-tweet-create-events.json' with { type: 'json' };
import { mapXWebhook, parseXCreatedAt } from './x-webhook.ts';

const brandForAccount = (id: string): string | undefined => (id === '2244994945' ? 'acme' : undefined);

describe('X Account Activity: tweet_create_events', () => {
  const result = mapXWebhook(tweets, { brandForAccount });

  it('a customer tweet to the brand is a mention in its own conversation', () => {
    expect(result.events[0]).toEqual({
      type: 'MentionReceived',
      eventId: 'x:tweet:1764000000000000001',
      brandId: 'acme',
      channel: 'x',
      conversationId: '1764000000000000001',
      messageId: '1764000000000000001',
      authorId: '3001969357',
      receivedAt: Date.UTC(2026, 2, 2, 9, 15, 30),
      kind: 'other',
      needsResponse: true,
      sentiment: null,
      authorFollowers: 1532,
      private: false,
      text: '@TwitterDev my order #4411 never arrived and nobody answers the phone',
    });
  });

  it("the brand's reply lands in the conversation of the tweet it replies to", () => {
    expect(result.events[1]).toEqual({
      type: 'ReplySent',
      eventId: 'x:tweet:1764000000000000002',
      brandId: 'acme',
      channel: 'x',
      conversationId: '1764000000000000001',
      messageId: '1764000000000000002',
      inReplyTo: '1764000000000000001',
      agentId: '2244994945',
      sentAt: Date.UTC(2026, 2, 2, 9, 40, 2),
      automated: false,
      private: false,
    });
  });

  it("the brand's own tweet that replies to nobody is a brand post", () => {
    expect(result.events[2]).toEqual({
      type: 'BrandPostPublished',
      eventId: 'x:tweet:1764000000000000003',
      brandId: 'acme',
      channel: 'x',
      postId: '1764000000000000003',
      publishedAt: Date.UTC(2026, 2, 2, 10, 0),
    });
  });

  it('a reply to someone else that mentions the brand is a mention; the extended text is kept', () => {
    expect(result.events[3]).toMatchObject({
      type: 'MentionReceived',
      conversationId: '1764000000000000004',
      authorId: '4001',
      authorFollowers: 12,
      text: expect.stringContaining('extended_tweet.full_text'),
    });
  });

  it('a retweet is skipped with a reason', () => {
    expect(result.events).toHaveLength(4);
    expect(result.skipped).toEqual([
      { reason: 'tweet 1764000000000000005 is a retweet, not a message to answer' },
    ]);
  });

  it('event ids are derived from platform ids, so a redelivery maps to the same events', () => {
    expect(mapXWebhook(tweets, { brandForAccount })).toEqual(result);
  });

  it('a tweet by the brand replying to itself (a thread) is a post', () => {
    const thread = {
      for_user_id: '2244994945',
      tweet_create_events: [
        {
          id_str: '9',
          text: '2/2 ...',
          created_at: 'Mon Mar 02 10:00:00 +0000 2026',
          in_reply_to_status_id_str: '8',
          in_reply_to_user_id_str: '2244994945',
          user: { id_str: '2244994945' },
        },
      ],
    };
    expect(mapXWebhook(thread, { brandForAccount }).events[0]).toMatchObject({
      type: 'BrandPostPublished',
      postId: '9',
    });
  });
});

describe('X Account Activity: direct_message_events', () => {
  const result = mapXWebhook(directMessages, { brandForAccount, automatedAppIds: ['13090192'] });

  it("a customer's DM is a private mention in the customer's conversation", () => {
    expect(result.events[0]).toEqual({
      type: 'MentionReceived',
      eventId: 'x:dm:954491830116155396',
      brandId: 'acme',
      channel: 'x',
      conversationId: '3001969357',
      messageId: '954491830116155396',
      authorId: '3001969357',
      receivedAt: 1772443000000,
      kind: 'other',
      needsResponse: true,
      sentiment: null,
      authorFollowers: 1532,
      private: true,
      text: 'Hi, the order number is 4411. Still nothing delivered.',
    });
  });

  it("the brand's DM is a private reply; sent through a listed bot app it is automated", () => {
    expect(result.events[1]).toEqual({
      type: 'ReplySent',
      eventId: 'x:dm:954491830116155397',
      brandId: 'acme',
      channel: 'x',
      conversationId: '3001969357',
      messageId: '954491830116155397',
      inReplyTo: null,
      agentId: '2244994945',
      sentAt: 1772443300000,
      automated: true,
      private: true,
    });
    expect(mapXWebhook(directMessages, { brandForAccount }).events[1]).toMatchObject({ automated: false });
    expect(result.skipped).toEqual([]);
  });
});

describe('X Account Activity: what is skipped', () => {
  it('an account not mapped to a brand: every event skipped and reported', () => {
    const result = mapXWebhook(tweets, { brandForAccount: () => undefined });
    expect(result.events).toEqual([]);
    expect(result.skipped).toHaveLength(5);
    expect(result.skipped[0]).toEqual({ reason: 'X account 2244994945 is not mapped to a brand' });
  });

  it('other activity, malformed items and non-deliveries', () => {
    const result = mapXWebhook(
      {
        for_user_id: '2244994945',
        favorite_events: [{ id: 'a' }, { id: 'b' }],
        tweet_create_events: [{ text: 'no ids' }, { id_str: '1', user: { id_str: '2' } }],
        direct_message_events: [
          { type: 'message_create', id: '5', message_create: {} },
          { type: 'typing', id: '6' },
        ],
      },
      { brandForAccount },
    );
    expect(result.events).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'favorite_events: 2 events not mapped (not care traffic)',
      'tweet without id_str or user.id_str',
      'tweet 1 has neither timestamp_ms nor a readable created_at',
      'direct message 5 lacks sender_id, target.recipient_id or created_timestamp',
      'direct message event 6 has type typing, only message_create is mapped',
    ]);
    expect(mapXWebhook('not json', { brandForAccount }).skipped).toEqual([
      { reason: 'payload is not an Account Activity delivery: no for_user_id' },
    ]);
  });

  it('reads the v1.1 created_at format', () => {
    expect(parseXCreatedAt('Wed Oct 10 20:19:24 +0000 2018')).toBe(Date.UTC(2018, 9, 10, 20, 19, 24));
    expect(parseXCreatedAt('Wed Oct 10 22:19:24 +0200 2018')).toBe(Date.UTC(2018, 9, 10, 20, 19, 24));
    expect(parseXCreatedAt('2018-10-10')).toBeUndefined();
  });
});
