import { describe, expect, it } from 'vitest';
import { periodSources, prepared, slaQuestionStatement } from './projection-reader.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const D0 = Date.UTC(2026, 0, 5);

function sources(fromMs: number, toMs: number, hoursOnly = false, weeks = false) {
  const daily = hoursOnly
    ? null
    : ({ table: 'sla_daily_totals', where: `brand_id = $1 and channel = ''`, weeks } as const);
  const params: unknown[] = ['brand'];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const parts = periodSources('"sla_g1"', { fromMs, toMs }, 'brand_id = $1', param, daily);
  // Each part as [table, first bound, end bound] with its parameters filled in.
  return parts.map((part) => {
    const table = /from "sla_g1"\.(\w+)/.exec(part)?.[1];
    const bounds = [...part.matchAll(/\$(\d+)/g)].map((match) => params[Number(match[1]) - 1]).slice(1);
    return [table, ...bounds];
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('periodSources', () => {
  it('reads whole days from the daily totals only, and the deltas over the period', () => {
    expect(sources(D0, D0 + 30 * DAY)).toEqual([
      ['sla_daily_totals', iso(D0), iso(D0 + 30 * DAY)],
      ['sla_hourly_deltas', iso(D0), iso(D0 + 30 * DAY)],
    ]);
  });

  it('reads whole UTC weeks (Monday to Monday) from the weekly totals, and the days around them from the daily totals', () => {
    // D0 is a Monday: from Wednesday 10:00 to the Thursday 3 weeks later, 15:00.
    const from = D0 + 2 * DAY + 10 * HOUR;
    const to = D0 + 24 * DAY + 15 * HOUR;
    expect(sources(from, to, false, true)).toEqual([
      ['sla_hourly', iso(from), iso(D0 + 3 * DAY)],
      ['sla_daily_totals', iso(D0 + 3 * DAY), iso(D0 + 7 * DAY)],
      ['sla_weekly_totals', iso(D0 + 7 * DAY), iso(D0 + 21 * DAY)],
      ['sla_daily_totals', iso(D0 + 21 * DAY), iso(D0 + 24 * DAY)],
      ['sla_hourly', iso(D0 + 24 * DAY), iso(to)],
      ['sla_hourly_deltas', iso(from), iso(to)],
    ]);
    // No whole week inside: days only.
    expect(sources(D0 + DAY, D0 + 8 * DAY, false, true).map(([table]) => table)).toEqual([
      'sla_daily_totals',
      'sla_hourly_deltas',
    ]);
  });

  it('reads the hours before the first and after the last whole day from the hourly rows', () => {
    const from = D0 + 5 * HOUR;
    const to = D0 + 3 * DAY + 7 * HOUR;
    expect(sources(from, to)).toEqual([
      ['sla_hourly', iso(from), iso(D0 + DAY)],
      ['sla_daily_totals', iso(D0 + DAY), iso(D0 + 3 * DAY)],
      ['sla_hourly', iso(D0 + 3 * DAY), iso(to)],
      ['sla_hourly_deltas', iso(from), iso(to)],
    ]);
  });

  it('reads hours only when the period holds no whole day, or when asked to', () => {
    const from = D0 + 5 * HOUR;
    expect(sources(from, from + 20 * HOUR)).toEqual([
      ['sla_hourly', iso(from), iso(from + 20 * HOUR)],
      ['sla_hourly_deltas', iso(from), iso(from + 20 * HOUR)],
    ]);
    expect(sources(D0, D0 + 2 * DAY, true)).toEqual([
      ['sla_hourly', iso(D0), iso(D0 + 2 * DAY)],
      ['sla_hourly_deltas', iso(D0), iso(D0 + 2 * DAY)],
    ]);
  });
});

describe('prepared statements', () => {
  it('names a statement by its text: the same text the same name, another text another name', () => {
    const a = prepared('select 1', []);
    expect(prepared('select 1', [1]).name).toBe(a.name);
    expect(prepared('select 2', []).name).not.toBe(a.name);
  });

  it('gives /sla one statement per schema, channel filter and period shape, the values apart', () => {
    const period = { fromMs: D0, toMs: D0 + 3 * DAY };
    const previous = { fromMs: D0 - 3 * DAY, toMs: D0 };
    const one = slaQuestionStatement('sla_g1', 'brand-1', period, previous, null);
    const other = slaQuestionStatement(
      'sla_g1',
      'brand-2',
      { fromMs: D0 + DAY, toMs: D0 + 4 * DAY },
      period,
      null,
    );
    expect(other.name).toBe(one.name);
    expect(other.values[0]).toBe('brand-2');
    expect(slaQuestionStatement('sla_g1', 'brand-1', period, previous, 'x').name).not.toBe(one.name);
    expect(slaQuestionStatement('sla_g2', 'brand-1', period, previous, null).name).not.toBe(one.name);
    expect(one.text).toContain('"sla_g1".sla_daily_totals');
    expect(one.text).not.toContain('sla_g1.sla_hourly ');
  });
});
