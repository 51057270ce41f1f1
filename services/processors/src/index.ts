export {
  loadProcessorsConfig,
  PROCESSOR_NAMES,
  type ProcessorName,
  type ProcessorsConfig,
} from './config.ts';
export { startProcessors, type ProcessorsRuntime } from './processors-runtime.ts';
export { REPLAYABLE, replayProjection, type ReplayProgress, type ReplayResult } from './replay.ts';
export { activeSchema, appliedOf, storedOffsets, topicEnds, type PartitionId } from './progress.ts';
export { startBucketCompactor } from './bucket-compactor.ts';
