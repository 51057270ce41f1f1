export {
  loadProcessorsConfig,
  PROCESSOR_NAMES,
  type ProcessorName,
  type ProcessorsConfig,
} from './config.ts';
export { startProcessors, type ProcessorsRuntime } from './processors-runtime.ts';
