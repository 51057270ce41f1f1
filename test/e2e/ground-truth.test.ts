import { emptySlaBucket, mergeBuckets, slaBucketToJSON } from '@carestream/domain';
import { generateScenario, toIngestItem } from '@carestream/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  feedScenario,
  sendEvents,
  startPipeline,
  waitForCatchUp,
  type Pipeline,
} from './pipeline-harness.ts';
import {
  bucketsByBrandChannel,
  totalsByBrandChannel,
  expectChurnOutcomesMatchTruth,
  expectFiguresMatchTruth,
} from './truth-assertions.ts';

const HOUR = 3_600_000;

describe('the pipeline against ground truth', () => {
  let pipeline: Pipeline;
  const scenario = generateScenario({
    seed: 20261126,
    conversations: 1500,
    brands: 6,
    startMs: Date.UTC(2026, 10, 20, 8),
    spanMs: 6 * HOUR,
    horizonMs: HOUR,
    duplicateRate: 0.03,
    reorderRate: 0.05,
  });

  beforeAll(async () => {
    pipeline = await startPipeline({ partitions: 3, horizonHours: 1 });
    await feedScenario(pipeline, scenario);
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  it('has a scenario that exercises answers, expiries, duplicates and own-account mentions', () => {
    const totals = [...scenario.truth.byBrandChannel.values()];
    expect(totals.reduce((n, t) => n + t.answered, 0)).toBeGreaterThan(300);
    expect(totals.reduce((n, t) => n + t.expired, 0)).toBeGreaterThan(300);
    expect(new Set(scenario.events.map((event) => event.eventId)).size).toBeLessThan(scenario.events.length);
  });

  it('counts exactly, and every percentile is within 1% of the exact value, per brand and channel', async () => {
    const compared = expectFiguresMatchTruth(scenario, await bucketsByBrandChannel(pipeline));
    expect(compared).toBe(scenario.truth.byBrandChannel.size);
  });

  it('keeps daily and weekly totals per channel that match the truth, and per brand that sum its channels', async () => {
    const totals = await totalsByBrandChannel(pipeline, 'daily');
    expect(expectFiguresMatchTruth(scenario, totals)).toBe(scenario.truth.byBrandChannel.size);
    const brands = new Set([...scenario.truth.byBrandChannel.keys()].map((key) => key.split('|')[0]!));
    for (const brand of brands) {
      const channels = [...totals].filter(([key]) => key.startsWith(`${brand}|`) && key !== `${brand}|`);
      const summed = channels.reduce((sum, [, bucket]) => mergeBuckets(sum, bucket), emptySlaBucket());
      const all = totals.get(`${brand}|`);
      expect(all, brand).toBeDefined();
      expect(slaBucketToJSON(all!), brand).toEqual(slaBucketToJSON(summed));
    }
    const weeks = await totalsByBrandChannel(pipeline, 'weekly');
    expect([...weeks.keys()].sort()).toEqual([...totals.keys()].sort());
    for (const [key, bucket] of totals)
      expect(slaBucketToJSON(weeks.get(key)!), key).toEqual(slaBucketToJSON(bucket));
  });

  it('credits each answer to the agent who replied', async () => {
    const schema = (
      await pipeline.pool.query<{ active_schema: string }>(
        "select active_schema from projection_generations where projection = 'sla'",
      )
    ).rows[0]?.active_schema;
    const { rows } = await pipeline.pool.query<{
      brand_id: string;
      agent_id: string;
      answered: number;
      human_replies: number;
    }>(
      `select brand_id, agent_id, sum(answered)::int as answered, sum(human_replies)::int as human_replies
         from ${schema}.sla_hourly where agent_id <> '' group by 1, 2`,
    );
    const measured = new Map(
      rows.map((row) => [
        `${row.brand_id}|${row.agent_id}`,
        { answered: row.answered, humanReplies: row.human_replies },
      ]),
    );
    for (const [key, truth] of scenario.truth.byAgent) {
      if (key.includes('|bot-')) continue; // bots send only automated replies
      expect(measured.get(key), key).toEqual(truth);
    }
  });

  it('keeps exactly the open mentions in the backlog', async () => {
    const schema = (
      await pipeline.pool.query<{ active_schema: string }>(
        "select active_schema from projection_generations where projection = 'sla'",
      )
    ).rows[0]?.active_schema;
    const { rows } = await pipeline.pool.query<{ mention_event_id: string }>(
      `select mention_event_id from ${schema}.open_mentions`,
    );
    const expected = [...scenario.truth.mentionStatus]
      .filter(([, status]) => status.status === 'open')
      .map(([id]) => id);
    expect(rows.map((row) => row.mention_event_id).sort()).toEqual(expected.sort());
  });

  it('derives each customer’s churn signals from the outcomes: ignored, late or timely', async () => {
    expect(await expectChurnOutcomesMatchTruth(scenario, pipeline)).toBeGreaterThan(1000);
  });
});

describe('replay', () => {
  let pipeline: Pipeline;
  const scenario = generateScenario({
    seed: 7,
    conversations: 600,
    brands: 5,
    startMs: Date.UTC(2026, 10, 21, 8),
    spanMs: 4 * HOUR,
    horizonMs: HOUR,
    duplicateRate: 0.03,
  });

  beforeAll(async () => {
    pipeline = await startPipeline({ partitions: 3, horizonHours: 1 });
    await feedScenario(pipeline, scenario);
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  async function snapshot(schema: string, table: string, order: string): Promise<unknown[]> {
    return (await pipeline.pool.query(`select * from ${schema}.${table} order by ${order}`)).rows;
  }

  it('rebuilds the SLA projection (figures, backlog, churn signals) from the log into a new generation identical to the live one', async () => {
    const { replayProjection, loadProcessorsConfig } = await import('@carestream/processors');
    const config = loadProcessorsConfig(pipeline.env);
    const liveBuckets = await snapshot('sla_g1', 'sla_hourly', 'brand_id, hour_start, channel, agent_id');
    const liveDays = await snapshot('sla_g1', 'sla_daily', 'brand_id, day_start, channel, agent_id');
    const liveTotals = await snapshot('sla_g1', 'sla_daily_totals', 'brand_id, day_start, channel');
    const liveWeeks = await snapshot('sla_g1', 'sla_weekly_totals', 'brand_id, week_start, channel');
    const liveOpen = await snapshot('sla_g1', 'open_mentions', 'mention_event_id');
    const liveSignals = await snapshot(
      'sla_g1',
      'churn_signals',
      'brand_id, author_id, mention_event_id, slot',
    );
    expect(liveBuckets.length).toBeGreaterThan(50);
    expect(liveSignals.length).toBeGreaterThan(50);

    // Queries keep working while the replay runs: the BI view reads the live generation.
    const progress: number[] = [];
    const replay = replayProjection(config, 'sla', { onProgress: (p) => progress.push(p.applied) });
    const during = await pipeline.pool.query('select count(*)::int as n from bi_sla_hourly');
    expect(during.rows[0]?.n).toBe(liveBuckets.length);
    const sla = await replay;
    expect(sla).toMatchObject({ previousSchema: 'sla_g1', schema: 'sla_g2' });
    expect(progress.at(-1)).toBeGreaterThan(0);
    expect(await snapshot('sla_g2', 'sla_hourly', 'brand_id, hour_start, channel, agent_id')).toEqual(
      liveBuckets,
    );
    expect(await snapshot('sla_g2', 'sla_daily', 'brand_id, day_start, channel, agent_id')).toEqual(liveDays);
    expect(await snapshot('sla_g2', 'sla_daily_totals', 'brand_id, day_start, channel')).toEqual(liveTotals);
    expect(await snapshot('sla_g2', 'sla_weekly_totals', 'brand_id, week_start, channel')).toEqual(liveWeeks);
    expect(liveTotals.length).toBeGreaterThan(0);
    expect(liveWeeks.length).toBeGreaterThan(0);
    expect(await snapshot('sla_g2', 'open_mentions', 'mention_event_id')).toEqual(liveOpen);
    expect(await snapshot('sla_g2', 'churn_signals', 'brand_id, author_id, mention_event_id, slot')).toEqual(
      liveSignals,
    );

    // Swapped in: the active generation and the BI views point at the replayed tables.
    const active = await pipeline.pool.query<{ projection: string; active_schema: string }>(
      'select projection, active_schema from projection_generations order by 1',
    );
    expect(active.rows).toEqual([{ projection: 'sla', active_schema: 'sla_g2' }]);
    const view = await pipeline.pool.query<{ n: number }>('select count(*)::int as n from bi_sla_hourly');
    expect(view.rows[0]?.n).toBe(liveBuckets.length);
    const signalsView = await pipeline.pool.query<{ n: number }>(
      'select count(*)::int as n from bi_churn_signals',
    );
    expect(signalsView.rows[0]?.n).toBe(liveSignals.length);
    expectFiguresMatchTruth(scenario, await bucketsByBrandChannel(pipeline));

    // The live processors carry on in the new generation: new events are applied once.
    const extra = generateScenario({
      seed: 8,
      conversations: 50,
      brands: 5,
      startMs: Date.UTC(2026, 10, 21, 13),
      spanMs: HOUR,
      horizonMs: HOUR,
      duplicateRate: 0,
    });
    await sendEvents(pipeline, extra.events.map(toIngestItem));
    await waitForCatchUp(pipeline);
    const after = await bucketsByBrandChannel(pipeline);
    const total = (figures: Map<string, { needingResponse: number }>) =>
      [...figures.values()].reduce((n, f) => n + f.needingResponse, 0);
    expect(total(after)).toBe(total(scenario.truth.byBrandChannel) + total(extra.truth.byBrandChannel));
  });
});
