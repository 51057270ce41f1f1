import type { TSchema } from '@sinclair/typebox';

/**
 * CSV for BI tools (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a comma, a quote or a
 * line break (quotes doubled). Columns come from the route's response schema, so a route's headers are the same
 * whatever the data (even for an empty list): nested objects become dotted headers (`responseTimeSeconds.p50`),
 * null and missing values empty cells, arrays of plain values are joined with "; ", arrays of objects are written
 * as JSON in one cell. Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
 * carriage return: author ids and texts come from outside) gets a leading apostrophe; numbers are left alone.
 */

/** The dotted column paths of an object schema (a nullable object contributes its fields). */
export function csvColumns(schema: TSchema, prefix = ''): string[] {
  const objectSchema = nonNull(schema);
  const properties = objectSchema.properties as Record<string, TSchema> | undefined;
  if (objectSchema.type !== 'object' || properties === undefined) return prefix === '' ? [] : [prefix];
  return Object.entries(properties).flatMap(([key, child]) => {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    const inner = nonNull(child);
    return inner.type === 'object' && inner.properties !== undefined ? csvColumns(inner, name) : [name];
  });
}

function nonNull(schema: TSchema): TSchema {
  const branches = (schema.anyOf ?? schema.oneOf) as TSchema[] | undefined;
  if (branches === undefined) return schema;
  return branches.find((branch) => branch.type !== 'null') ?? schema;
}

export function toCsv(rows: readonly object[], columns: readonly string[]): string {
  const lines = [columns.map(quoteField).join(',')];
  for (const row of rows)
    lines.push(columns.map((column) => quoteField(cell(valueAt(row, column)))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function quoteField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function valueAt(row: object, path: string): unknown {
  let value: unknown = row;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const FORMULA_START = /^[=+\-@\t\r]/;

function inert(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    const plain = value.every((item) => item === null || typeof item !== 'object');
    return plain
      ? inert(value.map((item) => (item === null ? '' : String(item))).join('; '))
      : JSON.stringify(value);
  }
  if (typeof value === 'string') return inert(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value);
}
