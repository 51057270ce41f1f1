import { INGEST_SCHEMAS, WHOLE_ITEM_FIELD, type IngestItemType } from '@carestream/contract';

/** Why one line of the input file was not imported: the field at fault ('' for the line) and why. */
export interface RejectReason {
  readonly field: string;
  readonly message: string;
}

export type CsvConversion =
  | { readonly ok: true; readonly item: Record<string, unknown> }
  | { readonly ok: false; readonly errors: RejectReason[] };

/** How a CSV cell becomes a JSON value; every type not listed here stays a string. */
export type CellKind = 'string' | 'number' | 'boolean' | 'json';

interface SchemaLike {
  readonly type?: unknown;
  readonly anyOf?: readonly SchemaLike[];
}

// The cell kinds come from the contract's TypeBox schemas, so a field added there converts correctly here.
function kindOfSchema(schema: SchemaLike | undefined): CellKind {
  if (!schema) return 'string';
  if (schema.anyOf) {
    const nonNull = schema.anyOf.filter((member) => member.type !== 'null');
    return nonNull.length === 1 ? kindOfSchema(nonNull[0]) : 'string';
  }
  switch (schema.type) {
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
    case 'object':
      return 'json';
    default:
      return 'string';
  }
}

const isItemType = (value: string): value is IngestItemType => Object.hasOwn(INGEST_SCHEMAS, value);

/** The kind of a column for an item type; unknown types and columns stay strings (ingest names them). */
export function cellKind(type: string, column: string): CellKind {
  if (!isItemType(type)) return 'string';
  const properties = INGEST_SCHEMAS[type].properties as Readonly<Record<string, SchemaLike>>;
  return kindOfSchema(properties[column]);
}

/** A decimal number as a spreadsheet writes one: 42, -0.5, 1e3, .5; no hexadecimal, binary or octal. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * One CSV row (the header's column names and the row's cells) as an ingest item: empty cells are absent,
 * numbers, booleans and JSON cells are converted by the field's type in the contract. A cell that cannot
 * be converted is reported for its column; ingest validates everything else.
 */
export function csvRowToItem(columns: readonly string[], cells: readonly string[]): CsvConversion {
  if (cells.length !== columns.length) {
    return {
      ok: false,
      errors: [
        { field: WHOLE_ITEM_FIELD, message: `has ${cells.length} cells; the header has ${columns.length}` },
      ],
    };
  }
  const type = cells[columns.indexOf('type')]?.trim() ?? '';
  const item: Record<string, unknown> = {};
  const errors: RejectReason[] = [];
  columns.forEach((column, position) => {
    const cell = cells[position] ?? '';
    if (cell.trim() === '') return;
    switch (cellKind(type, column)) {
      case 'string':
        item[column] = column === 'type' ? cell.trim() : cell;
        return;
      case 'number': {
        // Decimal only: Number() would also read 0x1F, 0b11 and 0o17 as numbers.
        const text = cell.trim();
        const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
        if (Number.isFinite(value)) item[column] = value;
        else errors.push({ field: column, message: `must be a decimal number, got ${quote(cell)}` });
        return;
      }
      case 'boolean': {
        const text = cell.trim().toLowerCase();
        if (TRUE.has(text)) item[column] = true;
        else if (FALSE.has(text)) item[column] = false;
        else errors.push({ field: column, message: `must be true or false, got ${quote(cell)}` });
        return;
      }
      case 'json':
        try {
          item[column] = JSON.parse(cell) as unknown;
        } catch (error) {
          errors.push({
            field: column,
            message: `must be JSON (e.g. [{"weekday":1,"open":"09:00","close":"17:00"}] or ["id"]): ${(error as Error).message}`,
          });
        }
        return;
    }
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, item };
}

/** Checks a CSV header row: names trimmed, none empty or repeated, and a `type` column. */
export function checkCsvHeader(cells: readonly string[]): { columns: string[] } | { error: string } {
  const columns = cells.map((cell) => cell.trim());
  const empty = columns.findIndex((column) => column === '');
  if (empty >= 0) return { error: `column ${empty + 1} of the CSV header has no name` };
  const repeated = columns.find((column, index) => columns.indexOf(column) !== index);
  if (repeated !== undefined) return { error: `the CSV header names column "${repeated}" twice` };
  if (!columns.includes('type'))
    return { error: 'the CSV header has no "type" column (mention, reply, brand_post or brand_profile)' };
  return { columns };
}
