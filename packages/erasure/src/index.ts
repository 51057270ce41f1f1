export {
  ErasureLog,
  digestsOf,
  NOTHING_ERASED,
  subjectDigest,
  type ErasedValues,
  type ErasureRecord,
} from './erasure-log.ts';
export { parseErasureRequest, type ErasureSource, type ErasureSubject } from './erasure-request.ts';
export { IdentityResolver, type MentionIdentity, type SignalIdentity } from './identity-resolver.ts';
export { IdentityVault } from './identity-vault.ts';
export {
  erasedParts,
  identitiesNeeded,
  identityKey,
  pseudonymizeEvents,
  type ErasedPart,
  type IdentitiesNeeded,
  type IdentityNeed,
  type MessageNeed,
  type ResolvedIdentities,
} from './pseudonymize.ts';
export { ERASED, isReference, newReference, unnamedAuthor, type IdentityKind } from './references.ts';
export { isSealed, newTextKey, openText, sealText, SEALED_PREFIX } from './sealed-text.ts';
