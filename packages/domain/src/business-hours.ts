import type { BusinessHoursRange } from '@carestream/contract';
import { DateTime, IANAZone } from 'luxon';

/** A brand's business hours: its IANA zone and weekly ranges (null ranges: every hour counts). */
export interface BusinessHours {
  readonly timezone: string;
  readonly ranges: readonly BusinessHoursRange[] | null;
}

const MINUTES_PER_DAY = 24 * 60;
const MINUTE_MS = 60_000;
const DAY_MS = MINUTES_PER_DAY * MINUTE_MS;

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
 * (businessIntervals): on a day whose clocks change, two ranges apart in local time can meet or overlap in real time.
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
 * The business hours of the local dates from `first` while `more(date)` holds, as instants, sorted and merged
 * together, so that ranges that overlap or meet in real time count once: on the same day, or across midnight
 * where a clock change at midnight moves one day's closing into the next day's time (America/Nuuk goes from
 * 23:00 to 24:00 on the last Saturday of March).
 */
function businessIntervals(
  zone: IANAZone,
  first: LocalDate,
  more: (date: LocalDate) => boolean,
  week: readonly MinuteInterval[][],
): [number, number][] {
  const instants: [number, number][] = [];
  for (let date = first; more(date); date = nextDate(date)) {
    for (const [open, close] of week[isoWeekday(date)] ?? []) {
      const opensAt = wallTimeToMs(zone, date, open);
      const closesAt = wallTimeToMs(zone, date, close);
      if (closesAt > opensAt) instants.push([opensAt, closesAt]);
    }
  }
  instants.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [open, close] of instants) {
    const last = merged.at(-1);
    if (last && open <= last[1]) last[1] = Math.max(last[1], close);
    else merged.push([open, close]);
  }
  return merged;
}

/** A calendar date where the brand is. */
interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The date before `date`. */
function previousDate(date: LocalDate): LocalDate {
  const { year, month, day } = DateTime.utc(date.year, date.month, date.day).minus({ days: 1 });
  return { year, month, day };
}

/** The date after `date`. */
function nextDate(date: LocalDate): LocalDate {
  const { year, month, day } = DateTime.utc(date.year, date.month, date.day).plus({ days: 1 });
  return { year, month, day };
}

/** 1 (Monday) .. 7 (Sunday). */
function isoWeekday({ year, month, day }: LocalDate): number {
  return DateTime.utc(year, month, day).weekday;
}

/** The zone, and the local date of `ms` in it; a RangeError for a zone that does not exist. */
function localStart(ms: number, timezone: string): { zone: IANAZone; date: LocalDate } {
  const zone = IANAZone.create(timezone);
  if (!zone.isValid) throw new RangeError(`unknown time zone "${timezone}"`);
  const { year, month, day } = DateTime.fromMillis(ms, { zone });
  return { zone, date: { year, month, day } };
}

/**
 * The instant at which local wall time `minute` (after midnight; 1440 is the next midnight) of `date` happens.
 * A time that happens twice (clocks go back) is its first occurrence. A time that never happens (skipped when
 * clocks go forward) is read with the offset in force before the change, so an opening at 02:30 on a
 * spring-forward night opens at 03:30: the hour that never happened is not business time. Resolved here from
 * the zone's offsets rather than with luxon's set(), which keeps the offset of the instant it starts from and
 * so gave the second occurrence when that instant was in it.
 */
function wallTimeToMs(zone: IANAZone, date: LocalDate, minute: number): number {
  const wall = DateTime.utc(date.year, date.month, date.day).toMillis() + minute * MINUTE_MS;
  // The offsets in force a day before and a day after: no zone changes its offset twice within two days.
  const before = zone.offset(wall - DAY_MS);
  const after = zone.offset(wall + DAY_MS);
  if (before === after) return wall - before * MINUTE_MS;
  const earlier = wall - before * MINUTE_MS;
  if (zone.offset(earlier) === before) return earlier;
  const later = wall - after * MINUTE_MS;
  if (zone.offset(later) === after) return later;
  return earlier; // skipped: with the offset before the change
}

/**
 * Milliseconds of [fromMs, toMs) inside the brand's weekly business hours, in its time zone.
 *
 * Walks local calendar days (not minutes): a 7-day answer horizon is 9 of them, a year ~367. Each day's opening
 * and closing instants are computed in the zone, so days of 23 or 25 hours (daylight-saving changes) count their
 * real length, and merged as instants. `ranges` null means the brand keeps no business hours: every millisecond counts.
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
  const { zone, date } = localStart(fromMs, timezone);
  // From the day before: its closing can fall after fromMs when a clock change at midnight moved it.
  const intervals = businessIntervals(zone, previousDate(date), (d) => wallTimeToMs(zone, d, 0) < toMs, week);
  let total = 0;
  for (const [open, close] of intervals) {
    const from = Math.max(open, fromMs);
    const to = Math.min(close, toMs);
    if (to > from) total += to - from;
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
  const { zone, date } = localStart(ms, timezone);
  // The day before (see businessDurationMs) to a week after.
  let days = 0;
  for (const [opensAt, closesAt] of businessIntervals(zone, previousDate(date), () => days++ <= 8, week)) {
    if (ms < opensAt) return opensAt;
    if (ms < closesAt) return ms;
  }
  return ms;
}
