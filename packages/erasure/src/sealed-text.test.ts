import { describe, expect, it } from 'vitest';
import { newTextKey, openText, sealText, SEALED_PREFIX } from './sealed-text.ts';

describe('sealed texts', () => {
  const key = newTextKey();

  it('open with their key and message reference only', () => {
    const sealed = sealText('ça ne marche pas 😡', key, 'msg_a');
    expect(sealed.startsWith(SEALED_PREFIX)).toBe(true);
    expect(openText(sealed, key, 'msg_a')).toBe('ça ne marche pas 😡');
    expect(openText(sealed, newTextKey(), 'msg_a')).toBeUndefined();
    expect(openText(sealed, key, 'msg_b')).toBeUndefined();
  });

  it('differ each time (a random nonce) and refuse anything that is not sealed', () => {
    expect(sealText('same', key, 'msg_a')).not.toBe(sealText('same', key, 'msg_a'));
    expect(openText('plain text', key, 'msg_a')).toBeUndefined();
    expect(openText(`${SEALED_PREFIX}AAAA`, key, 'msg_a')).toBeUndefined();
  });
});
