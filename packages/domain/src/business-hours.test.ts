import type { BusinessHoursRange } from '@carestream/contract';
import { DateTime } from 'luxon';
import { FIXED_INSTANTS } from '@carestream/test-support/fixed-clocks';
import { describe, expect, it } from 'vitest';
import { businessDurationMs, nextBusinessInstant } from './business-hours.ts';

const HOUR = 3_600_000;
const weekdays9to17: BusinessHoursRange[] = [1, 2, 3, 4, 5].map((weekday) => ({
  weekday,
  open: '09:00',
  close: '17:00',
}));
const allDay = (weekday: number): BusinessHoursRange => ({ weekday, open: '00:00', close: '24:00' });

function at(iso: string, zone: string): number {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad test time ${iso}`);
  return dt.toMillis();
}

describe('businessDurationMs', () => {
  it('given no business hours (null), when measuring, then every millisecond counts', () => {
    expect(businessDurationMs(1_000, 5_000, 'Europe/Paris', null)).toBe(4_000);
  });

  it('given an empty or reversed span, when measuring, then it is zero', () => {
    expect(businessDurationMs(5_000, 5_000, 'Europe/Paris', weekdays9to17)).toBe(0);
    expect(businessDurationMs(5_000, 1_000, 'Europe/Paris', null)).toBe(0);
  });

  it('given a span inside one working day, when measuring, then it is the plain difference', () => {
    const zone = 'Europe/Paris';
    expect(
      businessDurationMs(at('2026-03-03T10:00', zone), at('2026-03-03T11:30', zone), zone, weekdays9to17),
    ).toBe(1.5 * HOUR);
  });

  it('given a span from Friday 16:00 to Monday 10:00 (across the weekend), when measuring, then only 2 hours count', () => {
    const zone = 'Europe/Paris';
    expect(
      businessDurationMs(at('2026-03-06T16:00', zone), at('2026-03-09T10:00', zone), zone, weekdays9to17),
    ).toBe(2 * HOUR);
  });

  it('given a span starting and ending out of hours, when measuring overnight, then only the open part counts', () => {
    const zone = 'America/New_York';
    expect(
      businessDurationMs(at('2026-03-02T18:00', zone), at('2026-03-03T08:00', zone), zone, weekdays9to17),
    ).toBe(0);
    expect(
      businessDurationMs(at('2026-03-02T16:00', zone), at('2026-03-03T10:00', zone), zone, weekdays9to17),
    ).toBe(2 * HOUR);
  });

  it('given Europe/Paris on 2026-03-29 (clocks go forward), when the whole Sunday is open, then it counts 23 hours', () => {
    const zone = 'Europe/Paris';
    expect(
      businessDurationMs(at('2026-03-28T12:00', zone), at('2026-03-30T12:00', zone), zone, [allDay(7)]),
    ).toBe(23 * HOUR);
  });

  it('given Europe/Paris on 2026-03-29, when open 01:00-04:00, then the skipped hour is not counted (2 hours)', () => {
    const zone = 'Europe/Paris';
    const ranges = [{ weekday: 7, open: '01:00', close: '04:00' }];
    expect(businessDurationMs(at('2026-03-29T00:00', zone), at('2026-03-29T12:00', zone), zone, ranges)).toBe(
      2 * HOUR,
    );
  });

  it('given Europe/Paris on 2026-10-25 (clocks go back), when the whole Sunday is open, then it counts 25 hours', () => {
    const zone = 'Europe/Paris';
    expect(
      businessDurationMs(at('2026-10-24T00:00', zone), at('2026-10-27T00:00', zone), zone, [allDay(7)]),
    ).toBe(25 * HOUR);
  });

  it('given America/New_York on 2026-03-08 (clocks go forward), when open 00:00-12:00 Sunday, then it counts 11 hours', () => {
    const zone = 'America/New_York';
    const ranges = [{ weekday: 7, open: '00:00', close: '12:00' }];
    expect(businessDurationMs(at('2026-03-07T00:00', zone), at('2026-03-09T00:00', zone), zone, ranges)).toBe(
      11 * HOUR,
    );
  });

  it('given a working week straddling a DST change, when measuring in UTC instants, then local 9-17 still gives 8h a day', () => {
    const zone = 'America/New_York';
    // Monday 2026-03-02 .. Monday 2026-03-16: two full working weeks around the 2026-03-08 change.
    expect(
      businessDurationMs(at('2026-03-02T00:00', zone), at('2026-03-16T00:00', zone), zone, weekdays9to17),
    ).toBe(80 * HOUR);
  });

  it('given a span of several weeks, when measuring, then it adds up every working day', () => {
    const zone = 'Asia/Tokyo';
    const from = at('2026-01-05T00:00', zone); // a Monday
    const to = at('2026-02-02T00:00', zone); // four weeks later
    expect(businessDurationMs(from, to, zone, weekdays9to17)).toBe(4 * 5 * 8 * HOUR);
  });

  it('given overlapping ranges on one day, when measuring, then no minute counts twice', () => {
    const zone = 'UTC';
    const ranges = [
      { weekday: 1, open: '09:00', close: '13:00' },
      { weekday: 1, open: '12:00', close: '14:00' },
    ];
    expect(businessDurationMs(at('2026-03-02T00:00', zone), at('2026-03-03T00:00', zone), zone, ranges)).toBe(
      5 * HOUR,
    );
  });

  it('given ranges apart in local time that meet in real time (clocks go forward), when measuring, then each counts', () => {
    // Europe/London, Sunday 2024-03-31: 01:00 GMT becomes 02:00 BST. 01:30 never happens, so the first range
    // opens at 02:30 BST (01:30Z); 02:00–02:30 BST is 01:00Z–01:30Z, before it in real time, not inside it.
    const zone = 'Europe/London';
    const ranges = [
      { weekday: 7, open: '01:30', close: '23:00' },
      { weekday: 7, open: '02:00', close: '02:30' },
    ];
    expect(businessDurationMs(Date.UTC(2024, 2, 31, 0), Date.UTC(2024, 2, 31, 2), zone, ranges)).toBe(HOUR);
    expect(nextBusinessInstant(Date.UTC(2024, 2, 31, 0, 30), zone, ranges)).toBe(Date.UTC(2024, 2, 31, 1));
  });

  it('given a span inside the second occurrence of a repeated hour (clocks go back), when measuring, then ranges keep their first occurrence', () => {
    // Atlantic/Azores, Sunday 2026-10-25: at 01:00Z local 01:00 becomes 00:00 again, so 00:00–01:00 happens twice:
    // first 00:00Z–01:00Z, then 01:00Z–02:00Z. A range 00:00–00:30 is its first occurrence only.
    const zone = 'Atlantic/Azores';
    const early = [{ weekday: 7, open: '00:00', close: '00:30' }];
    const at = (hour: number, minute = 0) => Date.UTC(2026, 9, 25, hour, minute);
    expect(businessDurationMs(at(0), at(2), zone, early)).toBe(HOUR / 2);
    expect(businessDurationMs(at(1), at(2), zone, early)).toBe(0);
    const later = [{ weekday: 7, open: '00:30', close: '03:00' }];
    expect(businessDurationMs(at(1, 10), at(4), zone, later)).toBe(170 * 60_000);
    expect(nextBusinessInstant(at(1, 10), zone, early)).toBe(Date.UTC(2026, 10, 1, 1));
  });

  it("given a clock change at midnight that moves one day's closing into the next day, when measuring, then no minute counts twice", () => {
    // America/Nuuk, 2026-03-29 01:00Z: Saturday 23:00 (UTC−2) becomes Sunday 00:00 (UTC−1). Saturday's 23:00–23:59
    // never happens and is read with the offset before the change, 01:00Z–01:59Z: inside Sunday's first hour.
    const zone = 'America/Nuuk';
    const ranges = [
      { weekday: 6, open: '09:00', close: '23:59' },
      { weekday: 7, open: '00:00', close: '12:00' },
    ];
    const from = Date.UTC(2026, 2, 29, 0);
    const to = Date.UTC(2026, 2, 29, 3);
    expect(businessDurationMs(from, to, zone, ranges)).toBe(to - from);
    const saturday = [{ weekday: 6, open: '09:00', close: '23:59' }];
    expect(businessDurationMs(Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 2, 29, 1, 30), zone, saturday)).toBe(
      HOUR / 2,
    );
    expect(nextBusinessInstant(Date.UTC(2026, 2, 29, 1, 10), zone, saturday)).toBe(
      Date.UTC(2026, 2, 29, 1, 10),
    );
  });

  it('given a malformed time or zone, when measuring, then it says what is wrong', () => {
    expect(() => businessDurationMs(0, HOUR, 'UTC', [{ weekday: 1, open: '9am', close: '17:00' }])).toThrow(
      /HH:MM/,
    );
    expect(() => businessDurationMs(0, HOUR, 'Mars/Olympus', weekdays9to17)).toThrow(/time zone/);
  });
});

/**
 * An independent reading of business time: steps minute by minute, asks Intl for the local weekday and time
 * of each minute and counts the minutes inside the ranges. Slow, but it shares nothing with the code under test.
 */
function businessMinutesByStepping(
  fromMs: number,
  toMs: number,
  zone: string,
  ranges: readonly BusinessHoursRange[],
): number {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const isoWeekday: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
  const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  let minutes = 0;
  for (let ms = fromMs; ms < toMs; ms += 60_000) {
    const parts = Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, part.value]));
    const weekday = isoWeekday[parts.weekday ?? ''];
    const minute = Number(parts.hour) * 60 + Number(parts.minute);
    if (ranges.some((r) => r.weekday === weekday && minute >= minuteOf(r.open) && minute < minuteOf(r.close)))
      minutes += 1;
  }
  return minutes;
}

describe.each(FIXED_INSTANTS)('businessDurationMs around $name ($at)', ({ at: instant }) => {
  // Weekdays, a short Saturday, a Friday evening to midnight, and Sunday 01:00–04:00, which spans the hour
  // that daylight saving skips or repeats in both zones.
  const ranges: BusinessHoursRange[] = [
    ...weekdays9to17,
    { weekday: 5, open: '20:00', close: '24:00' },
    { weekday: 6, open: '10:00', close: '14:00' },
    { weekday: 7, open: '01:00', close: '04:00' },
  ];
  const now = Date.parse(instant);

  it.each(['Europe/Paris', 'America/New_York', 'UTC', 'Asia/Kolkata'])(
    'in %s, equals the minutes a stepping clock counts, over the days before and after',
    (zone) => {
      const spans: [number, number][] = [
        [now - 3 * 24 * HOUR, now + 24 * HOUR],
        [now - 90 * 60_000, now + 45 * 60_000],
        [now - 7 * 24 * HOUR, now],
      ];
      for (const [from, to] of spans) {
        expect(businessDurationMs(from, to, zone, ranges)).toBe(
          businessMinutesByStepping(from, to, zone, ranges) * 60_000,
        );
      }
    },
  );
});

describe('nextBusinessInstant', () => {
  const hours = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: '09:00', close: '18:00' }));
  it('keeps an instant in hours and moves one outside to the next local opening', () => {
    // Monday 2 March 2026, 10:00 in Paris (UTC+1) is 09:00 UTC.
    const mondayTen = Date.UTC(2026, 2, 2, 9);
    expect(nextBusinessInstant(mondayTen, 'Europe/Paris', hours)).toBe(mondayTen);
    // Friday 6 March 19:00 Paris → Monday 9 March 09:00 Paris = 08:00 UTC.
    expect(nextBusinessInstant(Date.UTC(2026, 2, 6, 18), 'Europe/Paris', hours)).toBe(
      Date.UTC(2026, 2, 9, 8),
    );
    // Tuesday 3 March 02:00 in New York (UTC−5) → 09:00 New York = 14:00 UTC the same day.
    expect(nextBusinessInstant(Date.UTC(2026, 2, 3, 7), 'America/New_York', hours)).toBe(
      Date.UTC(2026, 2, 3, 14),
    );
  });

  it('opens at the real local time on the days daylight saving starts and ends', () => {
    // Paris springs forward on Sunday 28 March 2027; Monday 29 March 09:00 is CEST (UTC+2) = 07:00 UTC.
    expect(nextBusinessInstant(Date.UTC(2027, 2, 27, 12), 'Europe/Paris', hours)).toBe(
      Date.UTC(2027, 2, 29, 7),
    );
    // New York falls back on Sunday 7 November 2027; Monday 09:00 is EST (UTC−5) = 14:00 UTC.
    expect(nextBusinessInstant(Date.UTC(2027, 10, 6, 12), 'America/New_York', hours)).toBe(
      Date.UTC(2027, 10, 8, 14),
    );
  });

  it('is the instant itself for a brand open around the clock, and past closing moves to the next opening', () => {
    const always = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, open: '00:00', close: '24:00' }));
    expect(nextBusinessInstant(Date.UTC(2026, 2, 7, 23, 59), 'UTC', always)).toBe(
      Date.UTC(2026, 2, 7, 23, 59),
    );
    // Monday 18:00 Paris (closing, exclusive) → Tuesday 09:00 Paris.
    expect(nextBusinessInstant(Date.UTC(2026, 2, 2, 17), 'Europe/Paris', hours)).toBe(
      Date.UTC(2026, 2, 3, 8),
    );
  });
});
