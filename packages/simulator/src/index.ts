export {
  computeGroundTruth,
  emptyTruth,
  exactQuantile,
  type AgentTruth,
  type GroundTruth,
  type TruthFigures,
} from './ground-truth.ts';
export { backfillRate } from './backfill-rate.ts';
export { generateScenario, toIngestItem, type Scenario, type ScenarioOptions } from './scenario.ts';
export * as calibration from './calibration.ts';
export {
  brandProfiles,
  generateBrands,
  groundTruthOf,
  ownAccountIdsOf,
  simulateTraffic,
  stableHash,
  trafficModel,
  type ReplySpeed,
  type SimBrand,
  type TimedEvent,
  type TrafficEvent,
  type TrafficModel,
  type TrafficOptions,
} from './traffic.ts';
export {
  responseTimeReport,
  truthReport,
  truthRow,
  type ResponseTimeReport,
  type TruthReport,
  type TruthRow,
} from './truth-report.ts';
