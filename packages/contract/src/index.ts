export * from './events.ts';
export * from './topics.ts';
export * from './avro-schemas.ts';
export * from './ingest-validation.ts';
export { parseIsoTimestamp, describeDuration, type IsoParseResult } from './iso-timestamp.ts';
export * from './webhook-mapping.ts';
export { mapXWebhook, parseXCreatedAt } from './x-webhook.ts';
export { mapMetaWebhook, metaTime } from './meta-webhook.ts';
export * from './webhook-signatures.ts';
