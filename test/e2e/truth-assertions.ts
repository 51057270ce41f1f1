// Compares what the projections hold with a scenario's ground truth (exact counts, percentiles within 1%).
import {
  emptySlaBucket,
  mergeBuckets,
  ResponseTimeSketch,
  SLA_COUNTER_COLUMNS,
  slaFigures,
  type SlaBucket,
} from '@carestream/domain';
import { exactQuantile, type Scenario } from '@carestream/simulator';
import { expect } from 'vitest';
import type { Pipeline } from './pipeline-harness.ts';

/** Sums the active generation's hourly rows per brand × channel into domain buckets. */
export async function bucketsByBrandChannel(
  pipeline: Pipeline,
  schema?: string,
): Promise<Map<string, SlaBucket>> {
  return summedByBrandChannel(pipeline, 'sla_hourly', schema);
}

/**
 * Sums the active generation's daily or weekly totals per brand × channel (channel '' = the brand's totals over
 * all of its channels): what the API reads for whole days and weeks.
 */
export async function totalsByBrandChannel(
  pipeline: Pipeline,
  span: 'daily' | 'weekly',
): Promise<Map<string, SlaBucket>> {
  return summedByBrandChannel(pipeline, span === 'daily' ? 'sla_daily_totals' : 'sla_weekly_totals');
}

async function summedByBrandChannel(
  pipeline: Pipeline,
  table: 'sla_hourly' | 'sla_daily_totals' | 'sla_weekly_totals',
  schema?: string,
): Promise<Map<string, SlaBucket>> {
  const active =
    schema ??
    (
      await pipeline.pool.query<{ active_schema: string }>(
        "select active_schema from projection_generations where projection = 'sla'",
      )
    ).rows[0]?.active_schema;
  const { rows } = await pipeline.pool.query<Record<string, unknown>>(`select * from ${active}.${table}`);
  const buckets = new Map<string, SlaBucket>();
  for (const row of rows) {
    const bucket = {
      ...Object.fromEntries(SLA_COUNTER_COLUMNS.map(([field, column]) => [field, Number(row[column])])),
      responseSketch: ResponseTimeSketch.fromBytes(row.response_sketch as Buffer),
      businessSketch: ResponseTimeSketch.fromBytes(row.business_sketch as Buffer),
    } as SlaBucket;
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

/**
 * Each mention's churn outcome signal against its ground-truth status (open: none; expired: ignored; answered:
 * late or timely). Returns how many mentions were checked.
 */
export async function expectChurnOutcomesMatchTruth(scenario: Scenario, pipeline: Pipeline): Promise<number> {
  const schema = (
    await pipeline.pool.query<{ active_schema: string }>(
      "select active_schema from projection_generations where projection = 'sla'",
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
  return checked;
}
