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

  it('given an Instagram direct message unsent (a change of field messages), then it is a message erasure', () => {
    const payload = {
      object: 'instagram',
      entry: [
        {
          id: '104738491234567',
          changes: [
            {
              field: 'messages',
              value: { sender: { id: '42' }, message: { mid: 'ig-m-1', is_deleted: true } },
            },
            { field: 'messages', value: { sender: { id: '42' }, message: { mid: 'ig-m-2', text: 'kept' } } },
          ],
        },
      ],
    };
    expect(mapMetaDeletions(payload, options)).toEqual({
      erasures: [{ kind: 'message', brandId: 'acme', messageId: 'ig-m-1' }],
      skipped: [],
    });
  });

  it('erases nothing for another object, and names an id it refuses', () => {
    const removal = (object: string, ...comments: string[]) => ({
      object,
      entry: [
        {
          id: '104738491234567',
          changes: comments.map((comment) => ({
            field: 'feed',
            value: { item: 'comment', verb: 'remove', comment_id: comment },
          })),
        },
      ],
    });
    expect(mapMetaDeletions(removal('whatsapp_business_account', '555_1'), options).erasures).toEqual([]);
    // A reaction taken back names the post it was on: nothing is erased.
    const reaction = {
      object: 'page',
      entry: [
        {
          id: '104738491234567',
          changes: [{ field: 'feed', value: { item: 'reaction', verb: 'remove', post_id: '555' } }],
        },
      ],
    };
    expect(mapMetaDeletions(reaction, options)).toEqual({ erasures: [], skipped: [] });
    expect(mapMetaDeletions(removal('page', 'a\u0000b'), options).skipped).toEqual([
      { reason: 'a removed item: "a\\u{0}b" is not an id; nothing erased' },
    ]);
  });
});
