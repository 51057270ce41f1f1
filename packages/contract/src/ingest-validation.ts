// Validation of the items of `POST /v1/events`, from one definition: the TypeBox schemas describe the accepted
// JSON (the types, OpenAPI and carestream import's CSV columns come from them), and `validateItem` runs readers
// compiled from the same schemas once, at start-up. The readers word their own errors rather than a generic
// JSON-schema validator's ("must match format date-time", "must match a schema in anyOf"), which do not tell a
// caller what to change; rules JSON schema cannot say (the id grammar, real calendar dates, clock skew, time
// zones, business hours that close after they open, an event time inside the retention window) are
// refinements attached to the schema nodes they concern.
import {
  Kind,
  KindGuard,
  Type,
  type Static,
  type TArray,
  type TObject,
  type TSchema,
} from '@sinclair/typebox';
import {
  CHANNELS,
  MENTION_KINDS,
  type BrandPostPublished,
  type BrandProfileSet,
  type BusinessHoursRange,
  type CareEvent,
  type MentionKind,
  type MentionReceived,
  type ReplySent,
} from './events.ts';
import {
  BRAND_ID_PATTERN,
  MAX_ID_LENGTH,
  brandIdProblem,
  cleanText,
  idProblem,
  printableId,
} from './id-grammar.ts';
import { DAY_MS, describeDuration, parseIsoTimestamp } from './iso-timestamp.ts';

export const INGEST_ITEM_TYPES = ['mention', 'reply', 'brand_post', 'brand_profile'] as const;
export type IngestItemType = (typeof INGEST_ITEM_TYPES)[number];

export const MAX_TEXT_LENGTH = 10_000;
export const MAX_NAME_LENGTH = 256;
export const MAX_BUSINESS_HOURS_RANGES = 50;
export const MAX_OWN_ACCOUNT_IDS = 1_000;
export const DEFAULT_SLA_TARGET_SECONDS = 3_600;
/** A year: the longest SLA target a profile may set (and well inside the Avro int that carries it). */
export const MAX_SLA_TARGET_SECONDS = 365 * 24 * 3_600;
/**
 * How far back carestream's figures are exact (`CARESTREAM_RETENTION_DAYS`): ingest refuses events older than
 * this behind its clock, and the SLA fold keeps a conversation's facts this long behind its newest event.
 * 400 days: the API's longest period.
 */
export const DEFAULT_RETENTION_MS = 400 * DAY_MS;
export const INDUSTRY_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** The longest industry slug, in characters: a profile's, and the API's `{industry}`. */
export const MAX_INDUSTRY_LENGTH = 64;
const MAX_TIMEZONE_LENGTH = 64;
const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

// ---- TypeBox schemas (the published contract) -------------------------------------------------------

// The id grammar (id-grammar.ts) is more than JSON schema can say (NFC, Unicode categories): the
// descriptions say it, and validateItem enforces it.
const IdSchema = Type.String({
  minLength: 1,
  maxLength: MAX_ID_LENGTH,
  description:
    'An id: printable Unicode in NFC, no control, format, private-use or unassigned characters, no ' +
    'whitespace at either end.',
});
const BrandIdSchema = Type.String({
  minLength: 1,
  maxLength: MAX_ID_LENGTH,
  pattern: BRAND_ID_PATTERN,
  description: "ASCII letters, digits, '-', '_' and single dots, starting with a letter or digit, e.g. acme.",
});
const TextSchema = (minLength: number, maxLength: number, description: string) =>
  Type.String({
    minLength,
    maxLength,
    description: `${description} Control characters other than tab, LF and CR are removed.`,
  });
const TimestampSchema = Type.String({
  format: 'date-time',
  description: 'ISO 8601 date-time with Z or an explicit offset, e.g. 2026-03-01T09:30:00Z',
});
/** When a profile was set (optional: the time of the request). Optional() copies, so this copy is refined. */
const ProfileTimeSchema = Type.Optional(TimestampSchema);
/** When the event happened: a timestamp that must also lie inside the retention window. */
const EventTimeSchema = Type.String({
  format: 'date-time',
  description:
    'ISO 8601 date-time with Z or an explicit offset, e.g. 2026-03-01T09:30:00Z; not older than the ' +
    'retention window (CARESTREAM_RETENTION_DAYS, 400 days by default).',
});
export const ChannelSchema = Type.Union(
  CHANNELS.map((channel) => Type.Literal(channel)),
  { description: 'Where the message was posted.' },
);
export const MentionKindSchema = Type.Union(MENTION_KINDS.map((kind) => Type.Literal(kind)));
const nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

export const IngestMentionSchema = Type.Object(
  {
    type: Type.Literal('mention'),
    eventId: IdSchema,
    brandId: BrandIdSchema,
    channel: ChannelSchema,
    conversationId: IdSchema,
    messageId: IdSchema,
    authorId: IdSchema,
    receivedAt: EventTimeSchema,
    kind: MentionKindSchema,
    needsResponse: Type.Optional(
      Type.Boolean({ description: 'Default: true for question and complaint, false for praise and other.' }),
    ),
    sentiment: nullable(Type.Number({ minimum: -1, maximum: 1 })),
    authorFollowers: nullable(Type.Integer({ minimum: 0 })),
    private: Type.Optional(
      Type.Boolean({ default: false, description: 'A direct message (default false).' }),
    ),
    text: nullable(TextSchema(0, MAX_TEXT_LENGTH, 'The message text.')),
  },
  {
    additionalProperties: false,
    title: 'IngestMention',
    description: "A customer's message to or about the brand.",
  },
);

export const IngestReplySchema = Type.Object(
  {
    type: Type.Literal('reply'),
    eventId: IdSchema,
    brandId: BrandIdSchema,
    channel: ChannelSchema,
    conversationId: IdSchema,
    messageId: IdSchema,
    inReplyTo: nullable(IdSchema),
    agentId: IdSchema,
    sentAt: EventTimeSchema,
    automated: Type.Optional(Type.Boolean({ default: false, description: 'Sent by a bot or an auto-rule.' })),
    private: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false, title: 'IngestReply', description: "The brand's answer in a conversation." },
);

export const IngestBrandPostSchema = Type.Object(
  {
    type: Type.Literal('brand_post'),
    eventId: IdSchema,
    brandId: BrandIdSchema,
    channel: ChannelSchema,
    postId: IdSchema,
    publishedAt: EventTimeSchema,
  },
  { additionalProperties: false, title: 'IngestBrandPost', description: 'A broadcast or promotional post.' },
);

const OpenTimeSchema = Type.String({ pattern: TIME_OF_DAY.source, description: 'Local time HH:MM.' });
const CloseTimeSchema = Type.String({
  pattern: '^(?:(?:[01]\\d|2[0-3]):[0-5]\\d|24:00)$',
  description: 'Local time HH:MM, after open; 24:00 for midnight.',
});

export const BusinessHoursRangeSchema = Type.Object(
  {
    weekday: Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday: 1 = Monday .. 7 = Sunday.' }),
    open: OpenTimeSchema,
    close: CloseTimeSchema,
  },
  { additionalProperties: false },
);

const BusinessHoursSchema = Type.Array(BusinessHoursRangeSchema, {
  minItems: 1,
  maxItems: MAX_BUSINESS_HOURS_RANGES,
  description: 'Omit or null when the brand keeps no business hours. Ranges of a weekday must not overlap.',
});
const IndustrySchema = Type.String({ pattern: INDUSTRY_SLUG.source, maxLength: MAX_INDUSTRY_LENGTH });
const TimezoneSchema = Type.String({
  minLength: 1,
  maxLength: MAX_TIMEZONE_LENGTH,
  description: 'IANA time zone, e.g. Europe/Paris.',
});

export const IngestBrandProfileSchema = Type.Object(
  {
    type: Type.Literal('brand_profile'),
    eventId: IdSchema,
    brandId: BrandIdSchema,
    name: TextSchema(1, MAX_NAME_LENGTH, 'The brand as people know it.'),
    industry: IndustrySchema,
    timezone: TimezoneSchema,
    businessHours: nullable(BusinessHoursSchema),
    slaTargetSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_SLA_TARGET_SECONDS, default: DEFAULT_SLA_TARGET_SECONDS }),
    ),
    customerValue: nullable(Type.Number({ minimum: 0 })),
    ownAccountIds: Type.Optional(Type.Array(IdSchema, { maxItems: MAX_OWN_ACCOUNT_IDS, default: [] })),
    setAt: ProfileTimeSchema,
  },
  { additionalProperties: false, title: 'IngestBrandProfile', description: 'Reference data for a brand.' },
);

export const IngestItemSchema = Type.Union(
  [IngestMentionSchema, IngestReplySchema, IngestBrandPostSchema, IngestBrandProfileSchema],
  { title: 'IngestItem' },
);

export type IngestMention = Static<typeof IngestMentionSchema>;
export type IngestReply = Static<typeof IngestReplySchema>;
export type IngestBrandPost = Static<typeof IngestBrandPostSchema>;
export type IngestBrandProfile = Static<typeof IngestBrandProfileSchema>;
export type IngestItem = Static<typeof IngestItemSchema>;

export const INGEST_SCHEMAS: { readonly [T in IngestItemType]: TObject } = {
  mention: IngestMentionSchema,
  reply: IngestReplySchema,
  brand_post: IngestBrandPostSchema,
  brand_profile: IngestBrandProfileSchema,
};

// ---- validation --------------------------------------------------------------------------------------

export interface FieldError {
  /** The item's position in the request, from 0. */
  readonly index: number;
  /** Dotted path to the field, e.g. `receivedAt` or `businessHours[2].open`; WHOLE_ITEM_FIELD for the item itself. */
  readonly field: string;
  readonly message: string;
}

/**
 * The `field` of an error about an item as a whole rather than one of its fields: an NDJSON line that is not
 * JSON, an item that is not an object, the count of errors past those listed. No item type has a field of
 * this name, so it cannot be mistaken for one; `index` says which item.
 */
export const WHOLE_ITEM_FIELD = 'item';

export type ValidationResult =
  { readonly ok: true; readonly event: CareEvent } | { readonly ok: false; readonly errors: FieldError[] };

export interface ValidateOptions {
  /** The time of the request, epoch ms: timestamps later than this plus the skew are rejected. */
  readonly nowMs: number;
  readonly maxFutureSkewMs: number;
  /** Event times earlier than `nowMs` minus this are rejected (see DEFAULT_RETENTION_MS). */
  readonly retentionMs: number;
}

/**
 * Why an event at `timeMs` is refused for its age, in words for the caller (to follow the field name), or
 * undefined when it lies inside the retention window. The cut-off instant itself is inside.
 */
export function olderThanRetention(
  timeMs: number,
  options: Pick<ValidateOptions, 'nowMs' | 'retentionMs'>,
): string | undefined {
  const cutoffMs = options.nowMs - options.retentionMs;
  if (timeMs >= cutoffMs) return undefined;
  return (
    `is older than the retention window of ${describeDuration(options.retentionMs)} ` +
    `(before ${new Date(cutoffMs).toISOString()}); carestream keeps exact figures only inside it`
  );
}

type Json = Readonly<Record<string, unknown>>;

interface Ctx {
  readonly index: number;
  readonly options: ValidateOptions;
  /** The item's first MAX_ERRORS_PER_ITEM errors. */
  readonly errors: FieldError[];
  /** Every error found in the item, listed or not: what readers compare to see whether a part failed. */
  failures: number;
}

/**
 * Errors listed per item; the rest are counted in one more error. An item of 100,000 stray keys would
 * otherwise answer with 100,000 errors (a response many times its request's size).
 */
export const MAX_ERRORS_PER_ITEM = 10;

/** A value read at `field`: what the event will hold, or undefined after reporting why not. */
type Parse<T> = (ctx: Ctx, value: unknown, field: string) => T | undefined;

function fail(ctx: Ctx, field: string, message: string): undefined {
  ctx.failures += 1;
  if (ctx.failures <= MAX_ERRORS_PER_ITEM) ctx.errors.push({ index: ctx.index, field, message });
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** Length in code points, as JSON schema's maxLength counts it. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

const stringOf =
  (min: number, max: number): Parse<string> =>
  (ctx, value, field) => {
    if (typeof value !== 'string') return fail(ctx, field, `must be a string, got ${kindOf(value)}`);
    const length = codePoints(value);
    if (length < min)
      return fail(ctx, field, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    if (length > max) return fail(ctx, field, `must be at most ${max} characters, got ${length}`);
    return value;
  };

/** Free text, cleaned (cleanText: control characters removed) before its length is counted. */
const textOf = (min: number, max: number): Parse<string> => {
  const lengthChecked = stringOf(min, max);
  return (ctx, value, field) =>
    lengthChecked(ctx, typeof value === 'string' ? cleanText(value) : value, field);
};

/** An id, held to the one id grammar (id-grammar.ts). */
const parseId: Parse<string> = (ctx, value, field) => {
  if (typeof value !== 'string') return fail(ctx, field, `must be a string, got ${kindOf(value)}`);
  const problem = idProblem(value);
  return problem === undefined ? value : fail(ctx, field, problem);
};

/** A brand id: an id of the brand grammar (no ':', which separates it from the conversation id in keys). */
const parseBrandId: Parse<string> = (ctx, value, field) => {
  if (typeof value !== 'string') return fail(ctx, field, `must be a string, got ${kindOf(value)}`);
  const problem = brandIdProblem(value);
  return problem === undefined ? value : fail(ctx, field, problem);
};

const parseBoolean: Parse<boolean> = (ctx, value, field) =>
  typeof value === 'boolean' ? value : fail(ctx, field, `must be true or false, got ${kindOf(value)}`);

const oneOf = <S extends string>(symbols: readonly S[]): Parse<S> => {
  const allowed = new Set<string>(symbols);
  const listed = symbols.join(', ');
  return (ctx, value, field) => {
    if (typeof value === 'string' && allowed.has(value)) return value as S;
    const got = typeof value === 'string' ? quote(value) : kindOf(value);
    return fail(ctx, field, `must be one of: ${listed} (got ${got})`);
  };
};

const numberIn =
  (min: number, max: number, integer: boolean): Parse<number> =>
  (ctx, value, field) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return fail(ctx, field, `must be ${integer ? 'an integer' : 'a number'}, got ${kindOf(value)}`);
    }
    if (integer && !Number.isInteger(value)) return fail(ctx, field, `must be a whole number, got ${value}`);
    // Past the largest safe integer a JSON number is not exact any more: too large, whatever the bound.
    const upper = integer ? Math.min(max, Number.MAX_SAFE_INTEGER) : max;
    const bounded = min > Number.MIN_SAFE_INTEGER && upper < Number.MAX_SAFE_INTEGER;
    if (bounded && (value < min || value > upper))
      return fail(ctx, field, `must be between ${min} and ${upper}, got ${value}`);
    if (value < min)
      return fail(
        ctx,
        field,
        min === 0 ? `must not be negative, got ${value}` : `must be at least ${min}, got ${value}`,
      );
    if (value > upper) return fail(ctx, field, `must be at most ${upper}, got ${value}`);
    return value;
  };

const parseTimestamp: Parse<number> = (ctx, value, field) => {
  if (typeof value !== 'string') {
    return fail(
      ctx,
      field,
      `must be an ISO 8601 date-time string such as 2026-03-01T09:30:00Z, got ${kindOf(value)}`,
    );
  }
  const parsed = parseIsoTimestamp(value);
  if (!parsed.ok) return fail(ctx, field, `${parsed.message} (got ${quote(value)})`);
  const { nowMs, maxFutureSkewMs } = ctx.options;
  const ahead = parsed.ms - nowMs;
  if (ahead > maxFutureSkewMs) {
    const allowed =
      maxFutureSkewMs > 0
        ? `at most ${describeDuration(maxFutureSkewMs)} of clock skew is allowed`
        : 'no clock skew is allowed';
    return fail(ctx, field, `is ${describeDuration(ahead)} in the future; ${allowed}`);
  }
  return parsed.ms;
};

/**
 * When the event happened (receivedAt, sentAt, publishedAt): a timestamp that is also inside the retention
 * window, because outside it the figures could no longer count the event exactly.
 */
const parseEventTime: Parse<number> = (ctx, value, field) => {
  const ms = parseTimestamp(ctx, value, field);
  if (ms === undefined) return undefined;
  const tooOld = olderThanRetention(ms, ctx.options);
  return tooOld === undefined ? ms : fail(ctx, field, tooOld);
};

const industryText = stringOf(1, MAX_INDUSTRY_LENGTH);
const parseIndustry: Parse<string> = (ctx, value, field) => {
  const text = industryText(ctx, value, field);
  if (text === undefined) return undefined;
  if (!INDUSTRY_SLUG.test(text)) {
    return fail(
      ctx,
      field,
      `must be a lower-case slug of letters, digits and single hyphens, such as consumer-goods (got ${quote(text)})`,
    );
  }
  return text;
};

/**
 * The canonical name of IANA time zone `text` (Europe/Paris for europe/paris), or undefined when it names none.
 * Ingest stores the canonical name; the processors' decoder refuses a profile whose zone is none.
 */
export function canonicalTimezone(text: string): string | undefined {
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat(undefined, { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
  // Newer engines also accept offsets such as +01:00, which have no daylight-saving rules: not a zone.
  return /^[+-]/.test(resolved) ? undefined : resolved;
}

const timezoneText = stringOf(1, MAX_TIMEZONE_LENGTH);
/** The canonical IANA name, or undefined after reporting why not. */
const parseTimezone: Parse<string> = (ctx, value, field) => {
  const text = timezoneText(ctx, value, field);
  if (text === undefined) return undefined;
  const resolved = canonicalTimezone(text);
  if (resolved === undefined) {
    return fail(
      ctx,
      field,
      `must be an IANA time zone name such as Europe/Paris or America/New_York (got ${quote(text)})`,
    );
  }
  return resolved;
};

const timeOfDay =
  (allowMidnight: boolean): Parse<string> =>
  (ctx, value, field) => {
    if (typeof value === 'string' && (TIME_OF_DAY.test(value) || (allowMidnight && value === '24:00')))
      return value;
    const got = typeof value === 'string' ? quote(value) : kindOf(value);
    return fail(
      ctx,
      field,
      `must be a local time HH:MM from 00:00 to ${allowMidnight ? '24:00' : '23:59'} (got ${got})`,
    );
  };

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

const WEEKDAY_NAMES = [
  '',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
] as const;

// ---- the schemas compiled into readers ------------------------------------------------------------------
//
// `compile(schema)` turns a TypeBox schema into a reader once, at start-up: the fields, which are required,
// their defaults, types, ranges, lengths and allowed values all come from the schema. What JSON schema cannot
// say (the id grammar, real dates, clock skew and retention, IANA zones, business hours that close after they
// open and do not overlap) and the words a caller can act on are refinements attached to the schema nodes
// below; there is no second list of fields.

/** What a reader needs to know about a schema node besides its JSON-schema keywords. */
interface Refinement {
  /** Replaces the reader compiled from the node's keywords (the id grammar, timestamps, time zones…). */
  readonly read?: Parse<unknown>;
  /** For an object: how errors call it ("a business hours range"), and a check of its fields together. */
  readonly what?: string;
  readonly checkTogether?: (ctx: Ctx, value: Json, field: string) => void;
  /** For an array: appended to "must list at least N items". */
  readonly emptyHint?: string;
  /** For an array: a check of its items together, once each was read; false after reporting why not. */
  readonly checkItems?: (ctx: Ctx, items: readonly unknown[], field: string) => boolean;
  /** What a value that is not an object is told it must be, for an object node. */
  readonly objectHint?: string;
}

const REFINEMENTS = new Map<TSchema, Refinement>([
  [IdSchema, { read: parseId }],
  [BrandIdSchema, { read: parseBrandId }],
  [ProfileTimeSchema, { read: parseTimestamp }],
  [EventTimeSchema, { read: parseEventTime }],
  [IndustrySchema, { read: parseIndustry }],
  [TimezoneSchema, { read: parseTimezone }],
  [OpenTimeSchema, { read: timeOfDay(false) }],
  [CloseTimeSchema, { read: timeOfDay(true) }],
  [
    BusinessHoursRangeSchema,
    {
      what: 'a business hours range',
      objectHint: 'an object {weekday, open, close}',
      checkTogether: (ctx, range, field) => {
        const { open, close } = range as { open?: string; close?: string };
        if (open !== undefined && close !== undefined && minutesOf(close) <= minutesOf(open)) {
          fail(ctx, at(field, 'close'), `must be later than open (${open}); got ${close}`);
        }
      },
    },
  ],
  [
    BusinessHoursSchema,
    {
      emptyHint: ', or be null for a brand that keeps no business hours',
      checkItems: (ctx, ranges, field) => !overlappingRanges(ctx, ranges as BusinessHoursRange[], field),
    },
  ],
]);

/** Business hours may not overlap on a weekday (checked on the whole list, after each range is read). */
function overlappingRanges(ctx: Ctx, ranges: readonly BusinessHoursRange[], field: string): boolean {
  let overlapping = false;
  ranges.forEach((range, i) => {
    ranges.slice(0, i).forEach((earlier, j) => {
      if (
        earlier.weekday === range.weekday &&
        minutesOf(range.open) < minutesOf(earlier.close) &&
        minutesOf(earlier.open) < minutesOf(range.close)
      ) {
        overlapping = true;
        fail(
          ctx,
          `${field}[${i}]`,
          `overlaps ${field}[${j}] (${WEEKDAY_NAMES[range.weekday] ?? ''} ${earlier.open}-${earlier.close}); merge them into one range`,
        );
      }
    });
  });
  return overlapping;
}

/** A property: how to read it, whether it must be there, and what its absence (or null) means. */
interface CompiledProperty {
  readonly key: string;
  readonly read: Parse<unknown>;
  readonly required: boolean;
  /** The value when absent or null: the schema's default, null for a nullable field, else undefined. */
  readonly absent: unknown;
}

function compile(schema: TSchema): Parse<unknown> {
  const refinement = REFINEMENTS.get(schema);
  if (refinement?.read) return refinement.read;
  if (KindGuard.IsUnion(schema)) {
    const literals = schema.anyOf.filter(KindGuard.IsLiteral).map((literal) => String(literal.const));
    if (literals.length === schema.anyOf.length) return oneOf(literals);
    // A nullable field: null is handled where the property is read (it means "absent").
    const [present] = schema.anyOf.filter((member) => !KindGuard.IsNull(member));
    if (present === undefined) throw new Error('a union of nothing but null');
    return compile(present);
  }
  if (KindGuard.IsLiteral(schema)) return oneOf([String(schema.const)]);
  // A format needs a refinement that reads it (a copy made by Type.Optional is not the refined node).
  if (KindGuard.IsString(schema) && schema.format !== undefined) {
    throw new Error(`ingest validation has no reader for format ${schema.format}`);
  }
  if (KindGuard.IsString(schema))
    return textOf(schema.minLength ?? 0, schema.maxLength ?? Number.MAX_SAFE_INTEGER);
  if (KindGuard.IsBoolean(schema)) return parseBoolean;
  if (KindGuard.IsInteger(schema) || KindGuard.IsNumber(schema)) {
    return numberIn(
      schema.minimum ?? Number.MIN_SAFE_INTEGER,
      schema.maximum ?? Number.MAX_SAFE_INTEGER,
      KindGuard.IsInteger(schema),
    );
  }
  if (KindGuard.IsArray(schema)) return compileArray(schema, refinement);
  if (KindGuard.IsObject(schema)) return compileObject(schema, refinement);
  throw new Error(`ingest validation cannot compile a ${String(schema[Kind])} schema`);
}

function compileArray(schema: TArray, refinement: Refinement | undefined): Parse<unknown[]> {
  const readItem = compile(schema.items);
  const minItems = schema.minItems ?? 0;
  const maxItems = schema.maxItems ?? Number.MAX_SAFE_INTEGER;
  const emptyHint = refinement?.emptyHint ?? '';
  return (ctx, value, field) => {
    if (!Array.isArray(value)) return fail(ctx, field, `must be an array, got ${kindOf(value)}`);
    if (value.length < minItems)
      return fail(ctx, field, `must list at least ${minItems} item${minItems === 1 ? '' : 's'}${emptyHint}`);
    if (value.length > maxItems)
      return fail(ctx, field, `must list at most ${maxItems} items, got ${value.length}`);
    const before = ctx.failures;
    const out = value.map((element: unknown, i) => readItem(ctx, element, `${field}[${i}]`));
    if (ctx.failures > before) return undefined;
    if (refinement?.checkItems && !refinement.checkItems(ctx, out, field)) return undefined;
    return out;
  };
}

function compileProperties(schema: TObject): CompiledProperty[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([key, property]) => {
    const nullable = KindGuard.IsUnion(property) && property.anyOf.some((member) => KindGuard.IsNull(member));
    const fallback = (property as { default?: unknown }).default;
    return {
      key,
      read: compile(property),
      required: required.has(key),
      absent: fallback !== undefined ? fallback : nullable ? null : undefined,
    };
  });
}

/** Reads an object's properties into `out`; false when any of them (or a stray field) was wrong. */
type ReadProperties = (ctx: Ctx, value: Json, field: string, out: Record<string, unknown>) => boolean;

/** A stray key: the first of an object's lists the known fields, the others refer to it. */
function unknownField(
  ctx: Ctx,
  field: string,
  key: string,
  known: ReadonlySet<string>,
  what: string,
  first: boolean,
): void {
  fail(
    ctx,
    at(field, printableId(key)),
    first
      ? `is not a known field of ${what}; known fields: ${[...known].join(', ')}`
      : `is not a known field of ${what} either`,
  );
}

/**
 * Compiles the reading of an object's properties into straight-line code, one block per property, as ajv and
 * TypeBox's TypeCompiler do: each property's reader is called from a call site of its own (which V8 can
 * inline) instead of from one loop that calls every kind of reader. Nothing from the request reaches the code:
 * it is built from the schema's property names (JSON-quoted) at start-up.
 */
function compileReadProperties(
  properties: readonly CompiledProperty[],
  known: ReadonlySet<string>,
  what: string,
): ReadProperties {
  const blocks = properties.map((property, i) => {
    const key = JSON.stringify(property.key);
    const whenAbsent = property.required
      ? `fail(ctx, at(field, ${key}), 'is required');`
      : property.absent === undefined
        ? ''
        : `out[${key}] = absent[${i}];`;
    return (
      `raw = value[${key}];\n` +
      `if (raw === undefined${property.required ? '' : ' || raw === null'}) { ${whenAbsent} }\n` +
      `else { read = readers[${i}](ctx, raw, at(field, ${key})); if (read !== undefined) out[${key}] = read; }`
    );
  });
  const body =
    'return function readProperties(ctx, value, field, out) {\n' +
    'const before = ctx.failures;\n' +
    'let raw, read, first = true;\n' +
    'for (const key of Object.keys(value)) if (!known.has(key)) { unknownField(ctx, field, key, known, what, first); first = false; }\n' +
    `${blocks.join('\n')}\n` +
    'return ctx.failures === before;\n};';
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the schema, see above
  const build = new Function('readers', 'absent', 'known', 'what', 'fail', 'at', 'unknownField', body) as (
    ...args: unknown[]
  ) => ReadProperties;
  return build(
    properties.map((property) => property.read),
    properties.map((property) => property.absent),
    known,
    what,
    fail,
    at,
    unknownField,
  );
}

function compileObject(schema: TObject, refinement: Refinement | undefined): Parse<Json> {
  const readProperties = compileReadProperties(
    compileProperties(schema),
    new Set(Object.keys(schema.properties)),
    refinement?.what ?? 'an object',
  );
  const hint = refinement?.objectHint ?? 'an object';
  return (ctx, value, field) => {
    if (!isJsonObject(value)) return fail(ctx, field, `must be ${hint}, got ${kindOf(value)}`);
    const before = ctx.failures;
    const out: Record<string, unknown> = {};
    readProperties(ctx, value, field, out);
    refinement?.checkTogether?.(ctx, out, field);
    return ctx.failures > before ? undefined : out;
  };
}

/** One item type: its schema compiled (without `type`, read first to choose it) and its conversion to an event. */
interface ItemReader {
  /**
   * The event's type and every field (undefined until read), in schema order: each item is read into a copy, an
   * object that has all its fields from the start (V8 keeps them in the object, not in a second store).
   */
  readonly blank: Readonly<Record<string, unknown>>;
  readonly readProperties: ReadProperties;
  /** Completes the event in place: what the schema leaves open (a default worked out from other fields…). */
  readonly complete: (item: Record<string, unknown>, options: ValidateOptions) => CareEvent;
}

/**
 * `Item` is what the compiled reader returns for a schema: the event's type, and the schema's static type with
 * times as epoch ms and the absent optional fields filled in (the schema's default, or null when nullable).
 */
function itemReader<Item extends { readonly type: CareEvent['type'] }>(
  schema: TObject,
  eventType: Item['type'],
  what: string,
  complete: (item: Item, options: ValidateOptions) => CareEvent,
): ItemReader {
  const properties = compileProperties(schema).filter((property) => property.key !== 'type');
  return {
    blank: Object.fromEntries([
      ['type', eventType],
      ...properties.map((property) => [property.key, undefined] as const),
    ]),
    readProperties: compileReadProperties(properties, new Set(Object.keys(schema.properties)), what),
    complete: (item, options) => complete(item as Item, options),
  };
}

type Read<T, EventType, Times extends keyof T, Filled extends keyof T = never> = Omit<
  T,
  Times | Filled | 'type'
> & { readonly type: EventType } & { readonly [K in Times]-?: number } & {
  readonly [K in Filled]-?: Exclude<T[K], undefined> | (null extends T[K] ? null : never);
};

function defaultNeedsResponse(kind: MentionKind): boolean {
  return kind === 'question' || kind === 'complaint';
}

// Each item is read into one object that becomes its event (no copy: this is the hot path of ingest).
const READERS: { readonly [T in IngestItemType]: ItemReader } = {
  mention: itemReader(
    IngestMentionSchema,
    'MentionReceived',
    'a mention',
    (
      mention: Read<
        IngestMention,
        'MentionReceived',
        'receivedAt',
        'sentiment' | 'authorFollowers' | 'private' | 'text'
      >,
    ) =>
      Object.assign(mention, {
        needsResponse: mention.needsResponse ?? defaultNeedsResponse(mention.kind),
      }) satisfies MentionReceived,
  ),
  reply: itemReader(
    IngestReplySchema,
    'ReplySent',
    'a reply',
    (reply: Read<IngestReply, 'ReplySent', 'sentAt', 'inReplyTo' | 'automated' | 'private'>) =>
      reply satisfies ReplySent,
  ),
  brand_post: itemReader(
    IngestBrandPostSchema,
    'BrandPostPublished',
    'a brand_post',
    (post: Read<IngestBrandPost, 'BrandPostPublished', 'publishedAt'>) => post satisfies BrandPostPublished,
  ),
  brand_profile: itemReader(
    IngestBrandProfileSchema,
    'BrandProfileSet',
    'a brand_profile',
    (
      profile: Omit<
        Read<
          IngestBrandProfile,
          'BrandProfileSet',
          never,
          'businessHours' | 'slaTargetSeconds' | 'customerValue' | 'ownAccountIds'
        >,
        'setAt'
      > & { readonly setAt?: number },
      options,
    ) =>
      Object.assign(profile, {
        ownAccountIds: [...new Set(profile.ownAccountIds)],
        // The time of the request when the caller does not say: a value that arrives as data, not a clock
        // read. Not held to the retention window: a profile describes the brand rather than something that
        // happened, and one set long ago is still the brand's rules (the SLA fold judges older events by the
        // first version).
        setAt: profile.setAt ?? options.nowMs,
      }) satisfies BrandProfileSet,
  ),
};

const readItemType = oneOf<IngestItemType>(INGEST_ITEM_TYPES);

/**
 * Validates one ingest item and converts it to its event. Every problem is reported, not just the first,
 * each naming its field; nothing is partially accepted.
 */
export function validateItem(raw: unknown, index: number, options: ValidateOptions): ValidationResult {
  const ctx: Ctx = { index, options, errors: [], failures: 0 };
  if (!isJsonObject(raw)) {
    fail(ctx, WHOLE_ITEM_FIELD, `must be a JSON object with a "type" field, got ${kindOf(raw)}`);
    return failed(ctx);
  }
  const type =
    raw.type === undefined ? fail(ctx, 'type', 'is required') : readItemType(ctx, raw.type, 'type');
  if (type === undefined) return failed(ctx);
  const reader = READERS[type];
  const item: Record<string, unknown> = { ...reader.blank };
  if (!reader.readProperties(ctx, raw, '', item)) return failed(ctx);
  return { ok: true, event: reader.complete(item, options) };
}

function failed(ctx: Ctx): ValidationResult {
  const unlisted = ctx.failures - ctx.errors.length;
  if (unlisted === 0) return { ok: false, errors: ctx.errors };
  const more: FieldError = {
    index: ctx.index,
    field: WHOLE_ITEM_FIELD,
    message: `has ${unlisted} more error${unlisted === 1 ? '' : 's'} besides the ${MAX_ERRORS_PER_ITEM} listed`,
  };
  return { ok: false, errors: [...ctx.errors, more] };
}

export interface BatchValidation {
  /** The valid items' events, in request order. */
  readonly events: CareEvent[];
  /** The positions of `events` in the request. */
  readonly indexes: number[];
  readonly errors: FieldError[];
}

/** Validates every item of a request; the caller decides whether one bad item rejects the whole batch. */
export function validateItems(items: readonly unknown[], options: ValidateOptions): BatchValidation {
  const events: CareEvent[] = [];
  const indexes: number[] = [];
  const errors: FieldError[] = [];
  items.forEach((item, index) => {
    const result = validateItem(item, index, options);
    if (result.ok) {
      events.push(result.event);
      indexes.push(index);
    } else {
      for (const error of result.errors) errors.push(error);
    }
  });
  return { events, indexes, errors };
}
