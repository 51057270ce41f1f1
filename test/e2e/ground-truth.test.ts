import {
  slaBucketFromJSON,
  slaFigures,
  mergeBuckets,
  emptySlaBucket,
  type SerializedSlaBucket,
  type SlaBucket,
} from '@carestream/domain';
import { exactQuantile, generateScenario, toIngestItem, type Scenario } from '@carestream/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendEvents, startPipeline, waitForCatchUp, type Pipeline } from './pipeline-harness.ts';

const HOUR = 3_600_000;

/** Sums the active generation's hourly rows per brand × channel into domain buckets. */
export async function bucketsByBrandChannel(
  pipeline: Pipeline,
  schema?: string,
): Promise<Map<string, SlaBucket>> {
  const active =
    schema ??
    (
      await pipeline.pool.query<{ active_schema: string }>(
        "select active_schema from projection_generations where projection = 'sla'",
      )
    ).rows[0]?.active_schema;
  const { rows } = await pipeline.pool.query<Record<string, unknown>>(`select * from ${active}.sla_hourly`);
  const buckets = new Map<string, SlaBucket>();
  for (const row of rows) {
    const bucket = slaBucketFromJSON({
      needingResponse: Number(row.needing_response),
      complaints: Number(row.complaints),
      answered: Number(row.answered),
      expired: Number(row.expired),
      targetBreaches: Number(row.target_breaches),
      within30m: Number(row.within_30m),
      within1h: Number(row.within_1h),
      within4h: Number(row.within_4h),
      within24h: Number(row.within_24h),
      responseSumMs: Number(row.response_sum_ms),
      businessSumMs: Number(row.business_sum_ms),
      businessWithin30m: Number(row.business_within_30m),
      businessWithin1h: Number(row.business_within_1h),
      businessWithin4h: Number(row.business_within_4h),
      businessWithin24h: Number(row.business_within_24h),
      humanReplies: Number(row.human_replies),
      automatedReplies: Number(row.automated_replies),
      brandPosts: Number(row.brand_posts),
      responseSketch: row.response_sketch,
      businessSketch: row.business_sketch,
    } as SerializedSlaBucket);
    const key = `${String(row.brand_id)}|${String(row.channel)}`;
    buckets.set(key, mergeBuckets(buckets.get(key) ?? emptySlaBucket(), bucket));
  }
  return buckets;
}

export function expectFiguresMatchTruth(scenario: Scenario, buckets: Map<string, SlaBucket>): number {
  let compared = 0;
  for (const [key, truth] of scenario.truth.byBrandChannel) {
    const figures = slaFigures([buckets.get(key) ?? emptySlaBucket()]);
    const context = `brand|channel ${key}`;
    expect(figures.needingResponse, context).toBe(truth.needingResponse);
    expect(figures.answered, context).toBe(truth.answered);
    expect(figures.expired, context).toBe(truth.expired);
    expect(figures.humanReplies, context).toBe(truth.humanReplies);
    expect(figures.automatedReplies, context).toBe(truth.automatedReplies);
    expect(figures.brandPosts, context).toBe(truth.brandPosts);
    for (const name of ['30m', '1h', '4h', '24h'] as const) {
      const expected = truth.needingResponse === 0 ? null : truth.within[name] / truth.needingResponse;
      expect(figures.withinTarget[name], `${context} within ${name}`).toBe(expected);
    }
    const mean =
      truth.responseSeconds.length === 0
        ? null
        : truth.responseSeconds.reduce((a, b) => a + b, 0) / truth.responseSeconds.length;
    if (mean === null) expect(figures.responseTimeSeconds.mean).toBeNull();
    else expect(figures.responseTimeSeconds.mean, `${context} mean`).toBeCloseTo(mean, 6);
    for (const [name, q] of [
      ['p50', 0.5],
      ['p90', 0.9],
      ['p99', 0.99],
    ] as const) {
      const exact = exactQuantile(truth.responseSeconds, q);
      const measured = figures.responseTimeSeconds[name];
      if (exact === null) expect(measured).toBeNull();
      else
        expect(
          Math.abs((measured ?? Infinity) - exact) / exact,
          `${context} ${name}: ${measured} vs ${exact}`,
        ).toBeLessThanOrEqual(0.01);
    }
    compared += 1;
  }
  return compared;
}

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
    await sendEvents(pipeline, scenario.profiles.map(toIngestItem));
    await waitForCatchUp(pipeline);
    await sendEvents(pipeline, scenario.events.map(toIngestItem));
    await waitForCatchUp(pipeline);
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
    const schema = (
      await pipeline.pool.query<{ active_schema: string }>(
        "select active_schema from projection_generations where projection = 'churn'",
      )
    ).rows[0]?.active_schema;
    const { rows } = await pipeline.pool.query<{ mention_event_id: string; kind: string }>(
      `select mention_event_id, kind from ${schema}.churn_signals where slot = 'outcome'`,
    );
    const measured = new Map(rows.map((row) => [row.mention_event_id, row.kind]));
    let checked = 0;
    for (const [mentionEventId, status] of scenario.truth.mentionStatus) {
      const kind = measured.get(mentionEventId);
      if (status.status === 'open') expect(kind, mentionEventId).toBeUndefined();
      if (status.status === 'expired') expect(kind, mentionEventId).toMatch(/^ignored-(complaint|mention)$/);
      if (status.status === 'answered') expect(kind, mentionEventId).toMatch(/^(late|timely)-answer$/);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(1000);
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
    await sendEvents(pipeline, scenario.profiles.map(toIngestItem));
    await waitForCatchUp(pipeline);
    await sendEvents(pipeline, scenario.events.map(toIngestItem));
    await waitForCatchUp(pipeline);
  });

  afterAll(async () => {
    await pipeline?.close();
  });

  async function snapshot(schema: string, table: string, order: string): Promise<unknown[]> {
    return (await pipeline.pool.query(`select * from ${schema}.${table} order by ${order}`)).rows;
  }

  it('rebuilds the SLA and churn projections from the log into new generations identical to the live ones', async () => {
    const { replayProjection, loadProcessorsConfig } = await import('@carestream/processors');
    const config = loadProcessorsConfig(pipeline.env);
    const liveBuckets = await snapshot('sla_g1', 'sla_hourly', 'brand_id, hour_start, channel, agent_id');
    const liveOpen = await snapshot('sla_g1', 'open_mentions', 'mention_event_id');
    const liveSignals = await snapshot(
      'churn_g1',
      'churn_signals',
      'brand_id, author_id, mention_event_id, slot',
    );
    expect(liveBuckets.length).toBeGreaterThan(50);

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
    expect(await snapshot('sla_g2', 'open_mentions', 'mention_event_id')).toEqual(liveOpen);

    const churn = await replayProjection(config, 'churn');
    expect(churn.schema).toBe('churn_g2');
    expect(
      await snapshot('churn_g2', 'churn_signals', 'brand_id, author_id, mention_event_id, slot'),
    ).toEqual(liveSignals);

    // Swapped in: the active generations and the BI views point at the replayed tables.
    const active = await pipeline.pool.query<{ projection: string; active_schema: string }>(
      'select projection, active_schema from projection_generations order by 1',
    );
    expect(active.rows).toEqual([
      { projection: 'churn', active_schema: 'churn_g2' },
      { projection: 'sla', active_schema: 'sla_g2' },
    ]);
    const view = await pipeline.pool.query<{ n: number }>('select count(*)::int as n from bi_sla_hourly');
    expect(view.rows[0]?.n).toBe(liveBuckets.length);
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
