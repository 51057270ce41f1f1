export * from './events.ts';
export * from './topics.ts';
export * from './avro-schemas.ts';
export * from './id-grammar.ts';
export * from './ingest-validation.ts';
export { DAY_MS, parseIsoTimestamp, describeDuration, type IsoParseResult } from './iso-timestamp.ts';
