import { describe, expect, it } from 'vitest';
import type { BrandProfileSet } from './events.ts';
import pageFeed from './fixtures/meta-page-feed.json' with { type: 'json' };
import tweets from './fixtures/x-tweet-create-events.json' with { type: 'json' };
import { DEFAULT_RETENTION_MS, type ValidateOptions } from './ingest-validation.ts';
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
