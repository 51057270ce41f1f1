// Strict ISO 8601 / RFC 3339 date-time parsing. `Date.parse` is too forgiving for an API contract: it rolls
// 2026-02-30 over to March 2, and reads a string without an offset as local time, which differs per machine.

export type IsoParseResult =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly message: string };

const EXAMPLE = 'e.g. 2026-03-01T09:30:00Z or 2026-03-01T10:30:00+01:00';
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses `YYYY-MM-DDTHH:MM[:SS[.fff…]]` followed by `Z` or an offset (`+01:00`, `+0100`, `+01`) into epoch
 * milliseconds. A value without an offset is rejected, because its instant is ambiguous. Fractions finer
 * than a millisecond are truncated. Years before 1970 are rejected (no care event predates epoch time).
 */
export function parseIsoTimestamp(text: string): IsoParseResult {
  if (DATE_ONLY.test(text)) {
    return { ok: false, message: `must be a date and time with an offset, not a date alone (${EXAMPLE})` };
  }
  const match = DATE_TIME.exec(text);
  if (match === null) {
    return { ok: false, message: `must be an ISO 8601 date-time with an offset, ${EXAMPLE}` };
  }
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  if (offset === undefined) {
    return {
      ok: false,
      message: `has no time zone offset; add Z for UTC or an offset such as +01:00 (${EXAMPLE})`,
    };
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (year < 1970) return { ok: false, message: 'must be in 1970 or later' };
  if (month < 1 || month > 12) return { ok: false, message: `has month ${mo ?? ''}; months run 01 to 12` };
  const monthDays = daysInMonth(year, month);
  if (day < 1 || day > monthDays) {
    return {
      ok: false,
      message: `is not a calendar date: ${MONTH_NAMES[month - 1] ?? ''} ${year} has ${monthDays} days`,
    };
  }
  if (hour > 23) return { ok: false, message: `has hour ${h ?? ''}; hours run 00 to 23` };
  if (minute > 59) return { ok: false, message: `has minute ${mi ?? ''}; minutes run 00 to 59` };
  if (second > 59) return { ok: false, message: `has second ${s ?? ''}; seconds run 00 to 59` };
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));

  let offsetMinutes = 0;
  if (offset !== 'Z' && offset !== 'z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMins = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (offsetHours > 23 || offsetMins > 59) {
      return { ok: false, message: `has offset ${offset}; offsets run from -23:59 to +23:59` };
    }
    offsetMinutes = sign * (offsetHours * 60 + offsetMins);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  return { ok: true, ms };
}

export const DAY_MS = 86_400_000;

const DURATION_UNITS = [
  ['day', DAY_MS],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
] as const;

/** "3 hours", "5 minutes", "1.5 days": for messages a person reads. */
export function describeDuration(ms: number): string {
  for (const [unit, size] of DURATION_UNITS) {
    if (ms >= size) {
      const value = ms / size;
      const shown = value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
      return `${shown} ${unit}${shown === 1 ? '' : 's'}`;
    }
  }
  return `${Math.max(0, Math.round(ms))} ms`;
}
