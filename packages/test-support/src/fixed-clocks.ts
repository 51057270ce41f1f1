/**
 * Instants that have broken date code before: a weekend, the last minutes of a UTC day, both daylight-saving
 * changes of Europe/Paris and America/New_York, a year's end and a leap day. Time-sensitive tests run once
 * on the real clock and once on each of these, so a test that passes on a Tuesday morning must pass at any
 * time. Pure data (no I/O), so unit tests of the domain may import it.
 */
export interface FixedInstant {
  readonly name: string;
  /** UTC, ISO 8601. */
  readonly at: string;
}

export const FIXED_INSTANTS: readonly FixedInstant[] = [
  { name: 'a Saturday afternoon', at: '2026-11-28T15:00:00Z' },
  { name: 'Sunday 23:30 UTC', at: '2026-11-29T23:30:00Z' },
  // Clocks in Paris go 02:00 CET → 03:00 CEST at 01:00 UTC, and back 03:00 → 02:00 at 01:00 UTC.
  { name: 'just after Europe/Paris springs forward', at: '2027-03-28T01:30:00Z' },
  { name: 'just after Europe/Paris falls back', at: '2027-10-31T01:30:00Z' },
  // New York: 02:00 EST → 03:00 EDT at 07:00 UTC; 02:00 EDT → 01:00 EST at 06:00 UTC.
  { name: 'just after America/New_York springs forward', at: '2027-03-14T07:30:00Z' },
  { name: 'just after America/New_York falls back', at: '2027-11-07T06:30:00Z' },
  { name: '31 December 23:59 UTC', at: '2026-12-31T23:59:00Z' },
  { name: '29 February 2028', at: '2028-02-29T12:00:00Z' },
];

/**
 * A clock that starts at `startMs` and then moves with real time, so timeouts, sleeps and rate limits behave
 * as they do on the wall clock.
 */
export function clockStartingAt(startMs: number, realNow: () => number = Date.now): () => number {
  const offset = startMs - realNow();
  return () => realNow() + offset;
}

/** The real clock, then each fixed instant: the cases a time-sensitive test runs under (`describe.each`). */
export function clockCases(): { name: string; clock: () => number }[] {
  return [
    { name: 'the real clock', clock: Date.now },
    ...FIXED_INSTANTS.map((instant) => ({
      name: `${instant.name} (${instant.at})`,
      clock: clockStartingAt(Date.parse(instant.at)),
    })),
  ];
}
