export {
  logLine,
  partitionKey,
  startProcessor,
  type DecodedRecord,
  type PartitionBatch,
  type ProcessorDefinition,
  type ProcessorRuntimeOptions,
  type RunningProcessor,
} from './processor-runtime.ts';
export { ProcessorMetrics } from './processor-metrics.ts';
export { isTransientFault } from './transient-faults.ts';
