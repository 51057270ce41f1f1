export type { ServiceEndpoints } from './services.ts';
export { createTestDatabase, testServices, uniqueName, type TestDatabase } from './isolation.ts';
