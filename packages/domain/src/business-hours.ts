import type { BusinessHoursRange } from '@carestream/contract';
import { DateTime } from 'luxon';

/** A brand's business hours: its IANA zone and weekly ranges (null ranges: every hour counts). */
export interface BusinessHours {
  readonly timezone: string;
  readonly ranges: readonly BusinessHoursRange[] | null;
}

const MINUTES_PER_DAY = 24 * 60;

/** "HH:MM" to minutes after local midnight; "24:00" is allowed as a closing time (end of the day). */
function parseClock(text: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  const total = hours * 60 + minutes;
  if (!match || minutes > 59 || total > MINUTES_PER_DAY) {
    throw new RangeError(`business hours time must be "HH:MM" between 00:00 and 24:00, got "${text}"`);
  }
  return total;
}

type MinuteInterval = readonly [open: number, close: number];

/**
 * The ranges per ISO weekday (index 1..7), as local minutes. They are merged only once they are instants
 * (dayIntervals): on a day whose clocks change, two ranges apart in local time can meet or overlap in real time.
 */
function weeklyIntervals(ranges: readonly BusinessHoursRange[]): MinuteInterval[][] {
  const byWeekday: MinuteInterval[][] = Array.from({ length: 8 }, () => []);
  for (const range of ranges) {
    if (!Number.isInteger(range.weekday) || range.weekday < 1 || range.weekday > 7) {
      throw new RangeError(`business hours weekday must be 1 (Monday) .. 7 (Sunday), got ${range.weekday}`);
    }
    const open = parseClock(range.open);
    const close = parseClock(range.close);
    if (close <= open) continue; // the contract says close > open; an empty range adds nothing
    byWeekday[range.weekday]?.push([open, close]);
  }
  return byWeekday;
}

/**
 * The business hours of local day `day` (a local midnight) as instants, sorted and merged, so that overlapping
 * ranges never count the same millisecond twice. A day's ranges end by the next midnight, so no interval of
 * one day overlaps the next day's.
 */
function dayIntervals(day: DateTime, week: readonly MinuteInterval[][]): [number, number][] {
  const instants = (week[day.weekday] ?? [])
    .map(([open, close]): [number, number] => [localMinuteToMs(day, open), localMinuteToMs(day, close)])
    .filter(([open, close]) => close > open)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [open, close] of instants) {
    const last = merged.at(-1);
    if (last && open <= last[1]) last[1] = Math.max(last[1], close);
    else merged.push([open, close]);
  }
  return merged;
}

/**
 * The instant of a local wall-clock minute on `day` (a local midnight). Luxon resolves a time that does not exist
 * (the hour skipped when clocks go forward) to the same offset from the previous valid time, so an opening at
 * 02:30 on a spring-forward night opens at 03:30: the hour that never happened is not business time.
 */
function localMinuteToMs(day: DateTime, minute: number): number {
  if (minute >= MINUTES_PER_DAY) return day.plus({ days: 1 }).startOf('day').toMillis();
  return day
    .set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 })
    .toMillis();
}

/**
 * Milliseconds of [fromMs, toMs) inside the brand's weekly business hours, in its time zone.
 *
 * Walks local calendar days (not minutes): a 7-day answer horizon is 8 iterations, a year ~366. Each day's opening
 * and closing instants are computed in the zone, so days of 23 or 25 hours (daylight-saving changes) count their
 * real length. `ranges` null means the brand keeps no business hours: every millisecond counts.
 */
export function businessDurationMs(
  fromMs: number,
  toMs: number,
  timezone: string,
  ranges: readonly BusinessHoursRange[] | null,
): number {
  if (!(toMs > fromMs)) return 0;
  if (ranges === null) return toMs - fromMs;
  const week = weeklyIntervals(ranges);
  const start = DateTime.fromMillis(fromMs, { zone: timezone });
  if (!start.isValid) throw new RangeError(`unknown time zone "${timezone}"`);

  let total = 0;
  for (let day = start.startOf('day'); day.toMillis() < toMs; day = day.plus({ days: 1 }).startOf('day')) {
    for (const [open, close] of dayIntervals(day, week)) {
      const from = Math.max(open, fromMs);
      const to = Math.min(close, toMs);
      if (to > from) total += to - from;
    }
  }
  return total;
}

/**
 * `ms` itself when it falls inside the brand's business hours, else the next opening instant (within a week),
 * else `ms` (no hours at all). Walks local days like businessDurationMs, so daylight-saving days open at their
 * real local time.
 */
export function nextBusinessInstant(
  ms: number,
  timezone: string,
  ranges: readonly BusinessHoursRange[],
): number {
  const week = weeklyIntervals(ranges);
  const start = DateTime.fromMillis(ms, { zone: timezone });
  if (!start.isValid) throw new RangeError(`unknown time zone "${timezone}"`);
  let day = start.startOf('day');
  for (let i = 0; i <= 7; i += 1, day = day.plus({ days: 1 }).startOf('day')) {
    for (const [opensAt, closesAt] of dayIntervals(day, week)) {
      if (ms < opensAt) return opensAt;
      if (ms < closesAt) return ms;
    }
  }
  return ms;
}
