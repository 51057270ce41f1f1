import { describe, expect, it } from 'vitest';
import { mapXDeletions } from './x-deletions.ts';

const options = { brandForAccount: (account: string) => (account === '3001' ? 'acme' : undefined) };

describe('mapXDeletions', () => {
  it('given deleted tweets of a mapped account, then each is a message erasure of its brand', () => {
    const payload = {
      for_user_id: '3001',
      tweet_delete_events: [
        { status: { id: '1601', user_id: '42' }, timestamp_ms: '1795000000000' },
        { status: { id: 1602, user_id: '43' } },
      ],
    };
    expect(mapXDeletions(payload, options)).toEqual({
      erasures: [
        { kind: 'message', brandId: 'acme', messageId: '1601' },
        { kind: 'message', brandId: 'acme', messageId: '1602' },
      ],
      skipped: [],
    });
  });

  it('given a user revoking the app, then that author is erased in every brand', () => {
    const payload = {
      user_event: { revoke: { date_time: '2026-11-28T09:48:12+00:00', source: { user_id: '63046977' } } },
    };
    expect(mapXDeletions(payload, options).erasures).toEqual([
      { kind: 'author', brandId: null, authorId: '63046977' },
    ]);
  });

  it('given an unmapped account, an item without an id or an id the grammar refuses, then it is skipped with the reason', () => {
    expect(
      mapXDeletions({ for_user_id: '9', tweet_delete_events: [{ status: { id: '1' } }] }, options).skipped,
    ).toEqual([{ reason: 'tweet_delete_events: X account 9 is not mapped to a brand' }]);
    const skipped = mapXDeletions(
      {
        for_user_id: '3001',
        tweet_delete_events: [{ status: {} }, { status: { id: 'a\u0000b' } }],
        user_event: { revoke: { source: {} } },
      },
      options,
    ).skipped.map((skip) => skip.reason);
    expect(skipped).toEqual([
      'tweet_delete_events: an item without status.id',
      'tweet_delete_events: status.id "a\\u{0}b" is not an id',
      'user_event.revoke without a source.user_id that is an id',
    ]);
  });

  it('given a delivery of new tweets only, then nothing is erased', () => {
    expect(mapXDeletions({ for_user_id: '3001', tweet_create_events: [{}] }, options)).toEqual({
      erasures: [],
      skipped: [],
    });
  });
});
