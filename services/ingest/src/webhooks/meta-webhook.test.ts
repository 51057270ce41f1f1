import { describe, expect, it } from 'vitest';
import instagramChanges from './fixtures/meta-instagram-changes.json' with { type: 'json' };
import instagramMessaging from './fixtures/meta-instagram-messaging.json' with { type: 'json' };
import messenger from './fixtures/meta-messenger.json' with { type: 'json' };
import pageFeed from './fixtures/meta-page-feed.json' with { type: 'json' };
import { mapMetaWebhook, metaTime } from './meta-webhook.ts';

const accounts: Record<string, string> = { '104738491234567': 'acme', '17841400008460056': 'acme' };
const brandForAccount = (id: string): string | undefined => accounts[id];

describe('Meta page feed', () => {
  const result = mapMetaWebhook(pageFeed, { brandForAccount });

  it("a customer's top-level comment on the page's post is a mention in its own conversation", () => {
    expect(result.events[0]).toEqual({
      type: 'MentionReceived',
      eventId: 'meta:comment:998877665544332_1122334455667788',
      brandId: 'acme',
      channel: 'facebook',
      conversationId: '998877665544332_1122334455667788',
      messageId: '998877665544332_1122334455667788',
      authorId: '7712345678901234',
      receivedAt: 1772443500000,
      kind: 'other',
      needsResponse: true,
      sentiment: null,
      authorFollowers: null,
      private: false,
      text: 'Is the store on Main Street open on Sunday?',
    });
  });

  it("the page's reply in the comment's thread answers in the same conversation", () => {
    expect(result.events[1]).toEqual({
      type: 'ReplySent',
      eventId: 'meta:comment:998877665544332_1122334455667799',
      brandId: 'acme',
      channel: 'facebook',
      conversationId: '998877665544332_1122334455667788',
      messageId: '998877665544332_1122334455667799',
      inReplyTo: '998877665544332_1122334455667788',
      agentId: '104738491234567',
      sentAt: 1772444100000,
      automated: false,
      private: false,
    });
  });

  it("the page's own status is a brand post; a reaction is skipped", () => {
    expect(result.events[2]).toEqual({
      type: 'BrandPostPublished',
      eventId: 'meta:post:104738491234567_998877665544400',
      brandId: 'acme',
      channel: 'facebook',
      postId: '104738491234567_998877665544400',
      publishedAt: 1772445000000,
    });
    expect(result.events).toHaveLength(3);
    expect(result.skipped).toEqual([
      { reason: 'feed item reaction 104738491234567_998877665544332 is not mapped (not a comment or post)' },
    ]);
  });

  it("a customer's reply inside the thread joins the thread's conversation; edits are skipped", () => {
    const followUp = {
      object: 'page',
      entry: [
        {
          id: '104738491234567',
          time: 1772444500,
          changes: [
            {
              field: 'feed',
              value: {
                from: { id: '7712345678901234' },
                item: 'comment',
                verb: 'add',
                comment_id: '998877665544332_1122334455667800',
                parent_id: '998877665544332_1122334455667788',
                post_id: '104738491234567_998877665544332',
                created_time: 1772444500,
                message: 'Thanks!',
              },
            },
            { field: 'feed', value: { item: 'comment', verb: 'edited', comment_id: 'c-9' } },
            {
              field: 'feed',
              value: {
                item: 'status',
                verb: 'add',
                post_id: 'p-7',
                from: { id: '555' },
                created_time: 1772444600,
                message: 'Love this shop',
              },
            },
          ],
        },
      ],
    };
    const mapped = mapMetaWebhook(followUp, { brandForAccount });
    expect(mapped.events[0]).toMatchObject({
      type: 'MentionReceived',
      conversationId: '998877665544332_1122334455667788',
    });
    expect(mapped.events[1]).toMatchObject({
      type: 'MentionReceived',
      eventId: 'meta:post:p-7',
      conversationId: 'p-7',
      authorId: '555',
    });
    expect(mapped.skipped).toEqual([
      { reason: 'feed comment c-9 with verb edited: only new items (add) are mapped' },
    ]);
  });
});

describe('Meta removals and unsent messages', () => {
  it('are erasures, not skipped items; a reaction taken back is a skipped item', () => {
    const mapped = mapMetaWebhook(
      {
        object: 'page',
        entry: [
          {
            id: '104738491234567',
            time: 1_795_000_000,
            changes: [
              {
                field: 'feed',
                value: { item: 'comment', verb: 'remove', comment_id: 'c-1', post_id: 'p-1' },
              },
              { field: 'feed', value: { item: 'status', verb: 'remove', post_id: 'p-2' } },
              { field: 'feed', value: { item: 'reaction', verb: 'remove', post_id: 'p-3' } },
            ],
            // An unsent message carries no recipient or timestamp.
            messaging: [{ sender: { id: '42' }, message: { mid: 'm-1', is_deleted: true } }],
          },
        ],
      },
      { brandForAccount },
    );
    expect(mapped.events).toEqual([]);
    expect(mapped.skipped).toEqual([
      { reason: 'feed reaction p-3 with verb remove: only new items (add) are mapped' },
    ]);
  });
});

describe('Instagram changes', () => {
  const result = mapMetaWebhook(instagramChanges, { brandForAccount });

  it('a comment on the account’s media is a mention; the account’s reply answers it', () => {
    expect(result.events[0]).toMatchObject({
      type: 'MentionReceived',
      eventId: 'meta:comment:17865799348089039',
      channel: 'instagram',
      conversationId: '17865799348089039',
      authorId: '232323232',
      receivedAt: 1772446000000,
      text: 'My parcel arrived damaged, what now?',
      private: false,
    });
    expect(result.events[1]).toMatchObject({
      type: 'ReplySent',
      eventId: 'meta:comment:17865799348089040',
      channel: 'instagram',
      conversationId: '17865799348089039',
      inReplyTo: '17865799348089039',
      agentId: '17841400008460056',
    });
  });

  it('an @mention becomes a mention with a placeholder author (the delivery names none)', () => {
    expect(result.events[2]).toEqual({
      type: 'MentionReceived',
      eventId: 'meta:comment:17887498072083521',
      brandId: 'acme',
      channel: 'instagram',
      conversationId: '17887498072083521',
      messageId: '17887498072083521',
      authorId: 'instagram-mention:17887498072083521',
      receivedAt: 1772446000000,
      kind: 'other',
      needsResponse: true,
      sentiment: null,
      authorFollowers: null,
      private: false,
      text: null,
    });
    expect(result.skipped).toEqual([]);
  });
});

describe('Messenger and Instagram direct messages', () => {
  const result = mapMetaWebhook(messenger, { brandForAccount, automatedAppIds: ['1517776481860111'] });

  it("a customer's message is a private mention in the customer's conversation", () => {
    expect(result.events[0]).toEqual({
      type: 'MentionReceived',
      eventId:
        'meta:mid:m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P',
      brandId: 'acme',
      channel: 'facebook',
      conversationId: '6543210987654321',
      messageId: 'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P',
      authorId: '6543210987654321',
      receivedAt: 1772447000000,
      kind: 'other',
      needsResponse: true,
      sentiment: null,
      authorFollowers: null,
      private: true,
      text: 'Hello, can I change my delivery address?',
    });
  });

  it("the page's echoes are replies: automated when sent by a listed bot app, human otherwise", () => {
    expect(result.events[1]).toMatchObject({
      type: 'ReplySent',
      eventId: 'meta:mid:m_1457764197618:41d102a3e1ae206a38',
      conversationId: '6543210987654321',
      agentId: '104738491234567',
      sentAt: 1772447300000,
      automated: true,
      private: true,
      inReplyTo: null,
    });
    expect(result.events[2]).toMatchObject({ type: 'ReplySent', automated: false, sentAt: 1772447600000 });
  });

  it('read receipts are skipped with a reason', () => {
    expect(result.events).toHaveLength(3);
    expect(result.skipped).toEqual([{ reason: 'messaging event without a message (read) is not mapped' }]);
  });

  it('Instagram DMs map the same way, on the instagram channel', () => {
    const ig = mapMetaWebhook(instagramMessaging, { brandForAccount });
    expect(ig.events).toEqual([
      expect.objectContaining({
        type: 'MentionReceived',
        channel: 'instagram',
        conversationId: '1234567890123456',
        private: true,
        text: 'Do you have this in size 38?',
        receivedAt: 1772448000000,
      }),
    ]);
  });
});

describe('Meta: what is skipped', () => {
  it('accounts not mapped to a brand: every change and message skipped and reported', () => {
    const result = mapMetaWebhook(messenger, { brandForAccount: () => undefined });
    expect(result.events).toEqual([]);
    expect(result.skipped).toHaveLength(4);
    expect(result.skipped[0]).toEqual({ reason: 'page account 104738491234567 is not mapped to a brand' });
  });

  it('unknown objects, fields and malformed entries', () => {
    expect(mapMetaWebhook({ object: 'user', entry: [] }, { brandForAccount }).skipped).toEqual([
      { reason: 'object user is not mapped; expected page or instagram' },
    ]);
    expect(mapMetaWebhook(undefined, { brandForAccount }).skipped).toHaveLength(1);
    const result = mapMetaWebhook(
      {
        object: 'page',
        entry: [
          { time: 1 },
          {
            id: '104738491234567',
            time: 1772443500,
            changes: [{ field: 'ratings', value: {} }, { field: 'feed' }],
            messaging: [
              {
                sender: { id: '1' },
                recipient: { id: '104738491234567' },
                timestamp: 1,
                message: { text: 'no mid' },
              },
            ],
          },
        ],
      },
      { brandForAccount },
    );
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'entry without an id',
      'change field ratings is not mapped',
      'change feed without a value',
      'message (no mid) lacks mid, sender.id, recipient.id or timestamp',
    ]);
  });

  it('reads Meta times in seconds, milliseconds and ISO form', () => {
    expect(metaTime(1772443500)).toBe(1772443500000);
    expect(metaTime(1772443500123)).toBe(1772443500123);
    expect(metaTime('2026-03-02T09:25:00+0000')).toBe(Date.UTC(2026, 2, 2, 9, 25));
    expect(metaTime('soon')).toBeUndefined();
  });
});
