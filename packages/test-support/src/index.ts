export type { ServiceEndpoints } from './services.ts';
export {
  createTestDatabase,
  deleteTestTopics,
  testServices,
  uniqueName,
  type TestDatabase,
} from './isolation.ts';
