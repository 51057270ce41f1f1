import { describe, expect, it } from 'vitest';
import pageFeed from './fixtures/meta-page-feed.json' with { type: 'json' };
import tweets from './fixtures/x-tweet-create-events.json' with { type: 'json' };
import { DEFAULT_RETENTION_MS, type BrandProfileSet, type ValidateOptions } from '@carestream/contract';
import { mapMetaWebhook } from './meta-webhook.ts';
import { admitMappedEvents } from './webhook-mapping.ts';
import { mapXWebhook } from './x-webhook.ts';

const accounts: Record<string, string> = { '2244994945': 'acme', '104738491234567': 'acme' };
const brandForAccount = (id: string): string | undefined => accounts[id];

/** Asked exactly 400 days after `cutoffMs`: an event then is at the cut-off, one before it is too old. */
const askedWhenCutoffIs = (cutoffMs: number): ValidateOptions => ({
  nowMs: cutoffMs + DEFAULT_RETENTION_MS,
  maxFutureSkewMs: 5 * 60_000,
  retentionMs: DEFAULT_RETENTION_MS,
});

describe('webhook events older than the retention window', () => {
  it('X: skips a tweet older than the window, naming its field and the cut-off, and keeps the rest', () => {
    const mapped = mapXWebhook(tweets, { brandForAccount });
    // The brand's reply at 09:40:02 is exactly at the cut-off; the customer's tweet at 09:15:30 is before it.
    const admitted = admitMappedEvents(mapped, askedWhenCutoffIs(Date.UTC(2026, 2, 2, 9, 40, 2)));
    expect(admitted.skipped.slice(mapped.skipped.length)).toEqual([
      {
        reason:
          'x:tweet:1764000000000000001: its time (receivedAt 2026-03-02T09:15:30.000Z) is older than the retention ' +
          'window of 400 days (before 2026-03-02T09:40:02.000Z); carestream keeps exact figures only inside it',
      },
    ]);
    expect(admitted.events.map((event) => event.eventId)).toEqual(
      mapped.events.map((event) => event.eventId).filter((id) => id !== 'x:tweet:1764000000000000001'),
    );
  });

  it('Meta: skips a comment older than the window the same way', () => {
    const mapped = mapMetaWebhook(pageFeed, { brandForAccount });
    // The page's answer (created_time 1772444100) is at the cut-off; the customer's comment is 10 minutes older.
    const admitted = admitMappedEvents(mapped, askedWhenCutoffIs(1_772_444_100_000));
    expect(admitted.skipped.slice(mapped.skipped.length)).toEqual([
      {
        reason: expect.stringMatching(
          /^meta:comment:998877665544332_1122334455667788: its time \(receivedAt 2026-03-02T09:25:00\.000Z\) is older than the retention window of 400 days \(before 2026-03-02T09:35:00\.000Z\)/,
        ),
      },
    ]);
    expect(admitted.events).toHaveLength(mapped.events.length - 1);
  });

  it('admits a brand profile whatever the age of its setAt, as POST /v1/events does', () => {
    const profile: BrandProfileSet = {
      type: 'BrandProfileSet',
      eventId: 'p-1',
      brandId: 'acme',
      name: 'Acme',
      industry: 'retail',
      timezone: 'Europe/Paris',
      businessHours: null,
      slaTargetSeconds: 3600,
      customerValue: null,
      ownAccountIds: [],
      setAt: Date.UTC(2020, 0, 1),
    };
    const admitted = admitMappedEvents(
      { events: [profile], skipped: [] },
      askedWhenCutoffIs(Date.UTC(2026, 0, 1)),
    );
    expect(admitted).toEqual({ events: [profile], skipped: [] });
  });
});

describe('the id grammar at the webhook entrance', () => {
  const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);
  const options: ValidateOptions = {
    nowMs: NOW,
    maxFutureSkewMs: 300_000,
    retentionMs: DEFAULT_RETENTION_MS,
  };

  it('webhooks: a platform id that breaks the grammar is skipped with the reason, and text is cleaned', () => {
    const delivery = (commentId: string, message: string) => ({
      object: 'page',
      entry: [
        {
          id: '104738491234567',
          time: NOW / 1000,
          changes: [
            {
              field: 'feed',
              value: {
                item: 'comment',
                verb: 'add',
                comment_id: commentId,
                post_id: '104738491234567_1',
                parent_id: '104738491234567_1',
                from: { id: '555', name: 'Customer' },
                message,
                created_time: NOW / 1000 - 60,
              },
            },
          ],
        },
      ],
    });
    const brandForAccount = (id: string) => (id === '104738491234567' ? 'acme' : undefined);
    const bad = admitMappedEvents(
      mapMetaWebhook(delivery('c\u0000\u202E1', 'hi'), { brandForAccount }),
      options,
    );
    expect(bad.events).toEqual([]);
    expect(bad.skipped).toEqual([
      {
        reason:
          'meta:comment:c\\u{0}\\u{202E}1: eventId contains U+0000, a control character, at character 15; ' +
          'ids take printable characters only',
      },
    ]);
    const good = admitMappedEvents(
      mapMetaWebhook(delivery('c1', 'hi\u0000 there'), { brandForAccount }),
      options,
    );
    expect(good.skipped).toEqual([]);
    expect(good.events).toMatchObject([{ eventId: 'meta:comment:c1', text: 'hi there' }]);
  });
});
