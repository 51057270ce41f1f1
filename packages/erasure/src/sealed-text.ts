import { createCipheriv, createDecipheriv } from 'node:crypto';
import { secureRandomBytes } from './random-bytes.ts';

/**
 * A mention's text travels sealed: AES-256-GCM under its message's key (kept in author_identities), bound to the
 * message reference, so a sealed text copied onto another message does not open. Deleting the key (erasure)
 * leaves ciphertext no one can read, in the log and in every copy of it.
 */
export const SEALED_PREFIX = 'sealed:v1:';
export const TEXT_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function newTextKey(): Buffer {
  return secureRandomBytes(TEXT_KEY_BYTES);
}

export function sealText(text: string, key: Buffer, messageRef: string): string {
  const nonce = secureRandomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(messageRef, 'utf8'));
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/** The text, or undefined when the value is not a text sealed with this key for this message. */
export function openText(sealed: string, key: Buffer, messageRef: string): string | undefined {
  if (!isSealed(sealed)) return undefined;
  const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
  if (bytes.length < NONCE_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(messageRef, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    const body = bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
