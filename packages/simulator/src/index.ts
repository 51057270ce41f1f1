export {
  computeGroundTruth,
  emptyTruth,
  exactQuantile,
  type AgentTruth,
  type GroundTruth,
  type TruthFigures,
} from './ground-truth.ts';
export { generateScenario, toIngestItem, type Scenario, type ScenarioOptions } from './scenario.ts';
export { SeededRandom } from './seeded-random.ts';
