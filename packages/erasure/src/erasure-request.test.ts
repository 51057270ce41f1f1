import { describe, expect, it } from 'vitest';
import { parseErasureRequest } from './erasure-request.ts';

describe('parseErasureRequest', () => {
  it('takes an author (in a brand or in every brand) or a brand’s message', () => {
    expect(parseErasureRequest({ authorId: 'alice' })).toEqual({
      kind: 'author',
      brandId: null,
      authorId: 'alice',
    });
    expect(parseErasureRequest({ brandId: 'acme', authorId: 'alice' })).toEqual({
      kind: 'author',
      brandId: 'acme',
      authorId: 'alice',
    });
    expect(parseErasureRequest({ brandId: 'acme', messageId: 't-1' })).toEqual({
      kind: 'message',
      brandId: 'acme',
      messageId: 't-1',
    });
  });

  it.each([
    [[], 'body', /JSON object/],
    [{}, 'authorId', /required/],
    [{ messageId: 't-1' }, 'brandId', /required with messageId/],
    [{ authorId: 'a', messageId: 't-1' }, 'messageId', /one message/],
    [{ authorId: 42 }, 'authorId', /must be a string/],
    [{ authorId: 'a\u0000b' }, 'authorId', /U\+0000/],
    [{ brandId: 'a:b', authorId: 'a' }, 'brandId', /brand id/],
    [{ authorId: 'a', reason: 'gdpr' }, 'reason', /not a field/],
    [{ authorId: 'a', '': 'x' }, '""', /not a field/],
    [{ authorId: 'a', 'r\u202Eb': 'x' }, 'r\\u{202E}b', /not a field/],
  ])('refuses %j naming %s', (body, field, message) => {
    expect(() => parseErasureRequest(body)).toThrow(
      expect.objectContaining({
        code: 'CARE_ERR_VALIDATION',
        field,
        message: expect.stringMatching(message),
      }),
    );
  });
});
