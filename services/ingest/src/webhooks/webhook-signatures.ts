// Webhook authentication for X and Meta. The only file of this package that may use node:crypto: HMACs
// are pure functions of their inputs, and every comparison of a secret-derived value is constant-time.
import { createHmac, timingSafeEqual } from 'node:crypto';

const SHA256_BASE64 = /^sha256=([A-Za-z0-9+/]{43}=)$/;
const SHA256_HEX = /^sha256=([0-9a-fA-F]{64})$/;

function hmacSha256(secret: string, data: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** Constant-time equality; the lengths are compared first (timingSafeEqual throws on a mismatch). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/**
 * X's challenge-response check (CRC): X calls `GET <webhook>?crc_token=…` and expects
 * `{"response_token": "sha256=<base64 HMAC-SHA256 of crc_token under the consumer secret>"}`.
 */
export function xCrcResponseToken(crcToken: string, consumerSecret: string): string {
  return `sha256=${hmacSha256(consumerSecret, crcToken).toString('base64')}`;
}

/**
 * Checks the `x-twitter-webhooks-signature` header: `sha256=` and the base64 HMAC-SHA256 of the raw
 * request body under the consumer secret. The body must be the bytes received, before any JSON parsing.
 */
export function verifyXSignature(
  rawBody: string | Uint8Array,
  signatureHeader: string | undefined,
  consumerSecret: string,
): boolean {
  const match = SHA256_BASE64.exec(signatureHeader?.trim() ?? '');
  if (match?.[1] === undefined || consumerSecret === '') return false;
  return constantTimeEqual(Buffer.from(match[1], 'base64'), hmacSha256(consumerSecret, rawBody));
}

/**
 * Checks Meta's `X-Hub-Signature-256` header: `sha256=` and the hex HMAC-SHA256 of the raw request body
 * under the app secret.
 */
export function verifyMetaSignature(
  rawBody: string | Uint8Array,
  signatureHeader: string | undefined,
  appSecret: string,
): boolean {
  const match = SHA256_HEX.exec(signatureHeader?.trim() ?? '');
  if (match?.[1] === undefined || appSecret === '') return false;
  return constantTimeEqual(Buffer.from(match[1], 'hex'), hmacSha256(appSecret, rawBody));
}

/**
 * Meta's subscription handshake: `GET <webhook>?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
 * Returns the challenge to echo back when the token matches ours, or undefined (answer 403).
 */
export function metaVerificationChallenge(
  query: {
    readonly 'hub.mode'?: unknown;
    readonly 'hub.verify_token'?: unknown;
    readonly 'hub.challenge'?: unknown;
  },
  verifyToken: string,
): string | undefined {
  const mode = query['hub.mode'];
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (
    mode !== 'subscribe' ||
    typeof token !== 'string' ||
    typeof challenge !== 'string' ||
    verifyToken === ''
  ) {
    return undefined;
  }
  // Hash both sides so the comparison is constant-time whatever the token lengths.
  const ours = hmacSha256('carestream-verify-token', verifyToken);
  const theirs = hmacSha256('carestream-verify-token', token);
  return constantTimeEqual(ours, theirs) ? challenge : undefined;
}

/**
 * Meta's `signed_request` (data-deletion callbacks): `<base64url signature>.<base64url JSON payload>`, the
 * signature being the HMAC-SHA256 of the payload's base64url text under the app secret. Returns the parsed
 * payload when the signature matches and it says `"algorithm": "HMAC-SHA256"`, else undefined (answer 401).
 */
export function metaSignedRequestPayload(signedRequest: string, appSecret: string): unknown {
  const [signature, payload, extra] = signedRequest.split('.');
  if (signature === undefined || payload === undefined || extra !== undefined || appSecret === '')
    return undefined;
  const base64url = /^[A-Za-z0-9_-]+$/;
  if (!base64url.test(signature) || !base64url.test(payload)) return undefined;
  if (!constantTimeEqual(Buffer.from(signature, 'base64url'), hmacSha256(appSecret, payload)))
    return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const algorithm = (parsed as { algorithm?: unknown } | null)?.algorithm;
    return typeof algorithm === 'string' && algorithm.toUpperCase() === 'HMAC-SHA256' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
