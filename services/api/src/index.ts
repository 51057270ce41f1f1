// @carestream/api: the query API (see README.md). main.ts is the deployable; these are for tests and tools.
export { buildApiApp, type ApiAppDependencies } from './app.ts';
export { startApi, type ApiRuntime } from './api-runtime.ts';
export { loadApiConfig, type ApiConfig } from './config.ts';
export { ApiMetrics } from './api-metrics.ts';
export { ProjectionReader } from './projection-reader.ts';
