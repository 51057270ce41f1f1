import { describe, expect, it } from 'vitest';
import { mapMetaDeletions } from './meta-deletions.ts';

const options = {
  brandForAccount: (account: string) => (account === '104738491234567' ? 'acme' : undefined),
};

describe('mapMetaDeletions', () => {
  it('given a removed comment, a removed visitor post and an unsent message, then each is a message erasure', () => {
    const payload = {
      object: 'page',
      entry: [
        {
          id: '104738491234567',
          time: 1_795_000_000,
          changes: [
            {
              field: 'feed',
              value: { item: 'comment', verb: 'remove', comment_id: '555_1', post_id: '555' },
            },
            { field: 'feed', value: { item: 'status', verb: 'remove', post_id: '556' } },
            { field: 'feed', value: { item: 'comment', verb: 'add', comment_id: '555_2', post_id: '555' } },
          ],
          messaging: [
            { sender: { id: '42' }, message: { mid: 'm-9', is_deleted: true } },
            { sender: { id: '42' }, message: { mid: 'm-10', text: 'still here' } },
          ],
        },
      ],
    };
    expect(mapMetaDeletions(payload, options).erasures).toEqual([
      { kind: 'message', brandId: 'acme', messageId: '555_1' },
      { kind: 'message', brandId: 'acme', messageId: '556' },
      { kind: 'message', brandId: 'acme', messageId: 'm-9' },
    ]);
  });

  it('given an unmapped account or an id the grammar refuses, then nothing is erased', () => {
    const removal = (id: string, comment: string) => ({
      object: 'page',
      entry: [
        { id, changes: [{ field: 'feed', value: { item: 'comment', verb: 'remove', comment_id: comment } }] },
      ],
    });
    expect(mapMetaDeletions(removal('9', '555_1'), options).erasures).toEqual([]);
    expect(mapMetaDeletions(removal('104738491234567', 'a\u0000b'), options).erasures).toEqual([]);
  });
});
