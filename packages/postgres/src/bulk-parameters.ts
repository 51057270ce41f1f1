// Parameters for writing many rows in one statement: `insert … select * from unnest($1::text[], $2::bigint[], …)`.

/** A value of an array literal's element: text, a number, a boolean, or SQL NULL. */
export type ArrayElement = string | number | boolean | null;

const NEEDS_ESCAPE = /["\\]/;

/**
 * Values as one PostgreSQL array literal, for a `$n::text[]` (`::bigint[]`, `::timestamptz[]`, …) parameter.
 * node-postgres builds the same from a JavaScript array, but runs two regular expressions and a conversion
 * call on every element: ~11% of the SLA processor's CPU in a catch-up (measured with `npm run bench`'s
 * profile). Here a string is quoted, and escaped only when it holds a quote or a backslash; numbers and booleans
 * are written as JavaScript prints them (`NaN` and `Infinity` are valid for float8); null is NULL.
 */
export function arrayLiteral(values: readonly ArrayElement[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) literal += ',';
    const value = values[i];
    if (value === null || value === undefined) literal += 'NULL';
    else if (typeof value === 'string')
      literal += `"${NEEDS_ESCAPE.test(value) ? value.replace(/["\\]/g, '\\$&') : value}"`;
    else literal += String(value);
  }
  return `${literal}}`;
}

/** One column of rows as an array literal: `arrayLiteral(rows.map(value))`. */
export function arrayColumn<T>(rows: readonly T[], value: (row: T) => ArrayElement): string {
  return arrayLiteral(rows.map(value));
}

/**
 * SQL for the `timestamptz[]` that parameter `param` (e.g. `$2`) holds as epoch milliseconds: an `arrayColumn` of
 * numbers sent as `float8[]` (NULL stays NULL, the order is kept). PostgreSQL adds each to the epoch instead of
 * parsing an ISO 8601 text, and Node writes a number instead of formatting a date: measured, 0.7 µs of Node and
 * ~0.15 µs of PostgreSQL less per value, two or three values per event the SLA processor writes.
 */
export function instantsFromEpochMs(param: string): string {
  return `array(select timestamptz 'epoch' + ms * interval '1 millisecond' from unnest(${param}::float8[]) with ordinality as e(ms, n) order by n)`;
}

/** Byte strings packed into one bytea parameter, with each one's place in it. */
export interface PackedBytes {
  /** Their concatenation: node-postgres sends a Buffer parameter in binary, with no hex or escaping. */
  readonly bytes: Buffer;
  /** An int[] literal: where each starts in `bytes`, from 1 as `substring` counts. */
  readonly starts: string;
  /** An int[] literal: each one's length, NULL for a null item (so `substring` gives NULL). */
  readonly lengths: string;
}

/**
 * Byte strings (sketches, states) as one parameter: `substring($b::bytea from s for l)` over
 * `unnest($s::int[], $l::int[])` gives them back row by row. A bytea[] parameter would be sent as text, every
 * byte as two hex digits.
 */
export function packBytes(items: readonly (Uint8Array | null)[]): PackedBytes {
  const starts: number[] = [];
  const lengths: (number | null)[] = [];
  const present: Uint8Array[] = [];
  let at = 1;
  for (const item of items) {
    starts.push(at);
    lengths.push(item === null ? null : item.length);
    if (item !== null) {
      present.push(item);
      at += item.length;
    }
  }
  return { bytes: Buffer.concat(present), starts: arrayLiteral(starts), lengths: arrayLiteral(lengths) };
}
