export { loadIngestConfig, type IngestConfig } from './config.ts';
export { startIngest, type IngestRuntime } from './ingest-runtime.ts';
