export {
  KEY_SCOPES,
  canAccessBrand,
  canRead,
  canWrite,
  generateApiKey,
  hashSecret,
  parseApiKey,
  secretMatches,
  tokenEquals,
  type KeyScope,
  type Principal,
} from './api-key.ts';
export { ApiKeyStore, type ApiKeyRecord, type ApiKeyStoreOptions } from './api-key-store.ts';
