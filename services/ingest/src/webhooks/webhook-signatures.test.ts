import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  metaSignedRequestPayload,
  metaVerificationChallenge,
  verifyMetaSignature,
  verifyXSignature,
  xCrcResponseToken,
} from './webhook-signatures.ts';

// RFC-style HMAC-SHA256 test vector: key "key", message "The quick brown fox jumps over the lazy dog".
const FOX = 'The quick brown fox jumps over the lazy dog';
const FOX_HEX = 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8';
const FOX_BASE64 = '97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=';

describe('X', () => {
  it('answers the CRC challenge with sha256= and the base64 HMAC of crc_token', () => {
    expect(xCrcResponseToken(FOX, 'key')).toBe(`sha256=${FOX_BASE64}`);
  });

  it('accepts the signature of the raw body, as string or bytes', () => {
    expect(verifyXSignature(FOX, `sha256=${FOX_BASE64}`, 'key')).toBe(true);
    expect(verifyXSignature(Buffer.from(FOX), `sha256=${FOX_BASE64}`, 'key')).toBe(true);
    const body = JSON.stringify({ for_user_id: '2244994945', tweet_create_events: [] });
    const header = `sha256=${createHmac('sha256', 'consumer-secret').update(body).digest('base64')}`;
    expect(verifyXSignature(body, header, 'consumer-secret')).toBe(true);
  });

  it('rejects a wrong secret, a changed body, a missing or malformed header', () => {
    expect(verifyXSignature(FOX, `sha256=${FOX_BASE64}`, 'other-key')).toBe(false);
    expect(verifyXSignature(`${FOX}.`, `sha256=${FOX_BASE64}`, 'key')).toBe(false);
    expect(verifyXSignature(FOX, undefined, 'key')).toBe(false);
    expect(verifyXSignature(FOX, FOX_BASE64, 'key')).toBe(false);
    expect(verifyXSignature(FOX, `sha256=${FOX_HEX}`, 'key')).toBe(false);
    expect(verifyXSignature(FOX, 'sha256=AAAA', 'key')).toBe(false);
    expect(verifyXSignature(FOX, `sha256=${FOX_BASE64}`, '')).toBe(false);
  });
});

describe('Meta', () => {
  it('accepts X-Hub-Signature-256: sha256= and the hex HMAC of the raw body under the app secret', () => {
    expect(verifyMetaSignature(FOX, `sha256=${FOX_HEX}`, 'key')).toBe(true);
    expect(verifyMetaSignature(new TextEncoder().encode(FOX), `sha256=${FOX_HEX.toUpperCase()}`, 'key')).toBe(
      true,
    );
  });

  it('rejects a wrong secret, a changed body, a missing, truncated or non-hex header', () => {
    expect(verifyMetaSignature(FOX, `sha256=${FOX_HEX}`, 'app-secret')).toBe(false);
    expect(verifyMetaSignature(FOX.toUpperCase(), `sha256=${FOX_HEX}`, 'key')).toBe(false);
    expect(verifyMetaSignature(FOX, undefined, 'key')).toBe(false);
    expect(verifyMetaSignature(FOX, `sha256=${FOX_HEX.slice(0, 62)}`, 'key')).toBe(false);
    expect(verifyMetaSignature(FOX, `sha256=${FOX_HEX.slice(0, 63)}z`, 'key')).toBe(false);
    expect(verifyMetaSignature(FOX, `sha1=${FOX_HEX}`, 'key')).toBe(false);
  });

  it('echoes the subscription challenge only for the right verify token', () => {
    const query = { 'hub.mode': 'subscribe', 'hub.verify_token': 'my-token', 'hub.challenge': '1158201444' };
    expect(metaVerificationChallenge(query, 'my-token')).toBe('1158201444');
    expect(metaVerificationChallenge(query, 'other-token')).toBeUndefined();
    expect(metaVerificationChallenge({ ...query, 'hub.mode': 'unsubscribe' }, 'my-token')).toBeUndefined();
    expect(
      metaVerificationChallenge({ 'hub.mode': 'subscribe', 'hub.challenge': 'x' }, 'my-token'),
    ).toBeUndefined();
    expect(metaVerificationChallenge({ ...query, 'hub.verify_token': '' }, '')).toBeUndefined();
  });
});

describe('constantTimeEqual', () => {
  it('checks lengths before comparing (timingSafeEqual would throw)', () => {
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abcd'))).toBe(false);
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
  });
});

describe('metaSignedRequestPayload', () => {
  const secret = 'meta-app-secret';
  const sign = (payload: object, key = secret) => {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${createHmac('sha256', key).update(body).digest('base64url')}.${body}`;
  };
  const deletion = { algorithm: 'HMAC-SHA256', issued_at: 1_795_000_000, user_id: '218471' };

  it('given a request signed with the app secret, then its payload', () => {
    expect(metaSignedRequestPayload(sign(deletion), secret)).toEqual(deletion);
  });

  it('given another key, a tampered payload, another algorithm or no dot, then nothing', () => {
    expect(metaSignedRequestPayload(sign(deletion, 'other'), secret)).toBeUndefined();
    const [signature] = sign(deletion).split('.');
    const forged = Buffer.from(JSON.stringify({ ...deletion, user_id: '1' })).toString('base64url');
    expect(metaSignedRequestPayload(`${signature}.${forged}`, secret)).toBeUndefined();
    expect(metaSignedRequestPayload(sign({ ...deletion, algorithm: 'none' }), secret)).toBeUndefined();
    expect(metaSignedRequestPayload('no-dot', secret)).toBeUndefined();
    expect(metaSignedRequestPayload(sign(deletion), '')).toBeUndefined();
  });
});
