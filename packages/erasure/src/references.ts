import { secureRandomBytes } from './random-bytes.ts';

/**
 * What the log and the projections carry instead of a customer's author id or message id: a random reference,
 * the same for every event of that (brand, value) while its identity row exists. A reference says nothing
 * about the value it stands for; once the row is deleted nothing in carestream can tie it to anyone.
 */
export type IdentityKind = 'author' | 'message';

const PREFIXES: { readonly [K in IdentityKind]: string } = { author: 'au_', message: 'msg_' };
// 16 random bytes in base64url: 22 characters, inside the contract's id grammar.
const REFERENCE_BYTES = 16;
const REFERENCE_PATTERN = /^(au|msg)_[A-Za-z0-9_-]{22}$/;

/**
 * The author id of a message whose platform does not name its author (an Instagram @mention): built from the
 * message id, so erasing that message erases this author with it (ErasureLog.erase).
 */
export function unnamedAuthor(platform: string, messageId: string): string {
  return `${platform}-mention:${messageId}`;
}

/** Whether `authorId` is `unnamedAuthor(…, messageId)` (the same test as the erasure's SQL). */
export function isUnnamedAuthorOf(authorId: string, messageId: string): boolean {
  return /^[a-z]+-mention:/.test(authorId) && authorId.slice(authorId.indexOf(':') + 1) === messageId;
}

/** What the API shows in place of an erased author id, message id, or a mention id that named an erased author. */
export const ERASED = '[erased]';

export function newReference(kind: IdentityKind): string {
  return `${PREFIXES[kind]}${secureRandomBytes(REFERENCE_BYTES).toString('base64url')}`;
}

/** Whether a stored value is a reference (events through ingest) rather than a clear id (a producer of its own). */
export function isReference(value: string): boolean {
  return REFERENCE_PATTERN.test(value);
}
