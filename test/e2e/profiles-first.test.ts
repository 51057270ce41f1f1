// A processors instance started on a backlog applies the brand profiles topic before the facts (as Kafka
// Streams restores a global table): the facts are folded once, with their brands' rules, instead of folded
// without them and then revised. A profile that arrives later still revises, exactly.
import { loadProcessorsConfig, startProcessors } from '@carestream/processors';
import { generateScenario, toIngestItem } from '@carestream/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendEvents, startPipeline, waitForCatchUp, type Pipeline } from './pipeline-harness.ts';
import {
  bucketsByBrandChannel,
  expectChurnOutcomesMatchTruth,
  expectFiguresMatchTruth,
} from './truth-assertions.ts';

const HOUR = 3_600_000;

async function revisions(pipeline: Pipeline): Promise<number> {
  const metric = await pipeline.processors?.registry
    .getSingleMetric('carestream_sla_profile_revisions_total')
    ?.get();
  return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? Number.NaN;
}

describe('brand profiles applied before the facts', () => {
  let pipeline: Pipeline;
  const scenario = generateScenario({
    seed: 31,
    conversations: 400,
    brands: 4,
    startMs: Date.UTC(2026, 10, 24, 8),
    spanMs: 4 * HOUR,
    horizonMs: HOUR,
    duplicateRate: 0,
  });

  beforeAll(async () => {
    // The backlog: every fact first, then the profiles, all in Kafka before a processor starts.
    pipeline = await startPipeline({ partitions: 3, horizonHours: 1, withProcessors: false });
    await sendEvents(pipeline, scenario.events.map(toIngestItem));
    await sendEvents(pipeline, scenario.profiles.map(toIngestItem));
    pipeline.processors = await startProcessors(loadProcessorsConfig(pipeline.env));
    await waitForCatchUp(pipeline);
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('folds a backlog with its profiles: exact figures and churn outcomes, no conversation revised', async () => {
    expectFiguresMatchTruth(scenario, await bucketsByBrandChannel(pipeline));
    expect(await expectChurnOutcomesMatchTruth(scenario, pipeline)).toBeGreaterThan(100);
    expect(await revisions(pipeline)).toBe(0);
  });

  it('revises the conversations of a brand whose new profile arrives afterwards', async () => {
    const first = scenario.profiles[0];
    if (!first) throw new Error('the scenario has no profile');
    const changed = {
      ...first,
      eventId: `${first.eventId}-v2`,
      slaTargetSeconds: first.slaTargetSeconds * 2,
      setAt: first.setAt + 1,
    };
    await sendEvents(pipeline, [toIngestItem(changed)]);
    await waitForCatchUp(pipeline);
    expect(await revisions(pipeline)).toBeGreaterThan(0);
  });
});
