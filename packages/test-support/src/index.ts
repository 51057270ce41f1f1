export type { ServiceEndpoints } from './services.ts';
export { freePort } from './free-port.ts';
export {
  createTestDatabase,
  deleteTestTopics,
  leftBehind,
  testServices,
  uniqueName,
  type TestDatabase,
} from './isolation.ts';
export { waitFor } from './wait-for.ts';
