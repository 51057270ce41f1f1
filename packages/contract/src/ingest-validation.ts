// Validation of the items of `POST /v1/events`. The TypeBox schemas describe the accepted JSON (the HTTP
// layer publishes them in its OpenAPI document); `validateItem` enforces them with explicit checks, because
// a generic JSON-schema error ("must match format date-time", "must match a schema in anyOf") does not tell
// a caller what to change, and some rules (real calendar dates, clock skew, time zones, business hours that
// close after they open, an event time inside the retention window) are not expressible in JSON schema at
// all. A test keeps the two in step.
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import {
  CHANNELS,
  MENTION_KINDS,
  type BrandPostPublished,
  type BrandProfileSet,
  type BusinessHoursRange,
  type CareEvent,
  type Channel,
  type MentionKind,
  type MentionReceived,
  type ReplySent,
} from './events.ts';
import { BRAND_ID_PATTERN, MAX_ID_LENGTH, brandIdProblem, cleanText, idProblem } from './id-grammar.ts';
import { DAY_MS, describeDuration, parseIsoTimestamp } from './iso-timestamp.ts';

export const INGEST_ITEM_TYPES = ['mention', 'reply', 'brand_post', 'brand_profile'] as const;
export type IngestItemType = (typeof INGEST_ITEM_TYPES)[number];

export const MAX_TEXT_LENGTH = 10_000;
export const MAX_NAME_LENGTH = 256;
export const MAX_BUSINESS_HOURS_RANGES = 50;
export const MAX_OWN_ACCOUNT_IDS = 1_000;
export const DEFAULT_SLA_TARGET_SECONDS = 3_600;
/**
 * How far back carestream's figures are exact (`CARESTREAM_RETENTION_DAYS`): ingest refuses events older than
 * this behind its clock, and the SLA fold keeps a conversation's facts this long behind its newest event.
 * 400 days: the API's longest period.
 */
export const DEFAULT_RETENTION_MS = 400 * DAY_MS;
export const INDUSTRY_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_INDUSTRY_LENGTH = 64;
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
    receivedAt: TimestampSchema,
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
    sentAt: TimestampSchema,
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
    publishedAt: TimestampSchema,
  },
  { additionalProperties: false, title: 'IngestBrandPost', description: 'A broadcast or promotional post.' },
);

export const BusinessHoursRangeSchema = Type.Object(
  {
    weekday: Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday: 1 = Monday .. 7 = Sunday.' }),
    open: Type.String({ pattern: TIME_OF_DAY.source, description: 'Local time HH:MM.' }),
    close: Type.String({
      pattern: '^(?:(?:[01]\\d|2[0-3]):[0-5]\\d|24:00)$',
      description: 'Local time HH:MM, after open; 24:00 for midnight.',
    }),
  },
  { additionalProperties: false },
);

export const IngestBrandProfileSchema = Type.Object(
  {
    type: Type.Literal('brand_profile'),
    eventId: IdSchema,
    brandId: BrandIdSchema,
    name: TextSchema(1, MAX_NAME_LENGTH, 'The brand as people know it.'),
    industry: Type.String({ pattern: INDUSTRY_SLUG.source, maxLength: MAX_INDUSTRY_LENGTH }),
    timezone: Type.String({ minLength: 1, description: 'IANA time zone, e.g. Europe/Paris.' }),
    businessHours: nullable(
      Type.Array(BusinessHoursRangeSchema, {
        minItems: 1,
        maxItems: MAX_BUSINESS_HOURS_RANGES,
        description: 'Omit or null when the brand keeps no business hours.',
      }),
    ),
    slaTargetSeconds: Type.Optional(Type.Integer({ minimum: 1, default: DEFAULT_SLA_TARGET_SECONDS })),
    customerValue: nullable(Type.Number({ minimum: 0 })),
    ownAccountIds: Type.Optional(Type.Array(IdSchema, { maxItems: MAX_OWN_ACCOUNT_IDS, default: [] })),
    setAt: Type.Optional(TimestampSchema),
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
  /** Dotted path to the field, e.g. `receivedAt` or `businessHours[2].open`; '' for the item itself. */
  readonly field: string;
  readonly message: string;
}

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
  readonly errors: FieldError[];
}

type Parse<T> = (ctx: Ctx, value: unknown, field: string) => T | undefined;

function fail(ctx: Ctx, field: string, message: string): undefined {
  ctx.errors.push({ index: ctx.index, field, message });
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

function required<T>(ctx: Ctx, obj: Json, parent: string, key: string, parse: Parse<T>): T | undefined {
  const value = obj[key];
  const field = at(parent, key);
  if (value === undefined) return fail(ctx, field, 'is required');
  return parse(ctx, value, field);
}

/** Absent or null gives the fallback. */
function optional<T, F>(
  ctx: Ctx,
  obj: Json,
  parent: string,
  key: string,
  parse: Parse<T>,
  fallback: F,
): T | F | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return fallback;
  return parse(ctx, value, at(parent, key));
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

/** Free text, cleaned (cleanText: control characters removed) before its length is counted. */
const textOf =
  (min: number, max: number): Parse<string> =>
  (ctx, value, field) =>
    stringOf(min, max)(ctx, typeof value === 'string' ? cleanText(value) : value, field);

const parseBoolean: Parse<boolean> = (ctx, value, field) =>
  typeof value === 'boolean' ? value : fail(ctx, field, `must be true or false, got ${kindOf(value)}`);

const oneOf =
  <S extends string>(symbols: readonly S[]): Parse<S> =>
  (ctx, value, field) => {
    if (typeof value === 'string' && (symbols as readonly string[]).includes(value)) return value as S;
    const got = typeof value === 'string' ? quote(value) : kindOf(value);
    return fail(ctx, field, `must be one of: ${symbols.join(', ')} (got ${got})`);
  };

const numberIn =
  (min: number, max: number, integer: boolean): Parse<number> =>
  (ctx, value, field) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return fail(ctx, field, `must be ${integer ? 'an integer' : 'a number'}, got ${kindOf(value)}`);
    }
    if (integer && !Number.isSafeInteger(value))
      return fail(ctx, field, `must be a whole number, got ${value}`);
    if (value < min || value > max) {
      if (max === Number.MAX_SAFE_INTEGER) {
        return fail(
          ctx,
          field,
          min === 0 ? `must not be negative, got ${value}` : `must be at least ${min}, got ${value}`,
        );
      }
      return fail(ctx, field, `must be between ${min} and ${max}, got ${value}`);
    }
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

const parseIndustry: Parse<string> = (ctx, value, field) => {
  const text = stringOf(1, MAX_INDUSTRY_LENGTH)(ctx, value, field);
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

/** The canonical IANA name, or undefined after reporting why not. */
const parseTimezone: Parse<string> = (ctx, value, field) => {
  const text = stringOf(1, 64)(ctx, value, field);
  if (text === undefined) return undefined;
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat(undefined, { timeZone: text }).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  // Newer engines also accept offsets such as +01:00, which have no daylight-saving rules: not a zone.
  if (resolved === undefined || /^[+-]/.test(resolved)) {
    return fail(
      ctx,
      field,
      `must be an IANA time zone name such as Europe/Paris or America/New_York (got ${quote(text)})`,
    );
  }
  return resolved;
};

const parseArray =
  <T>(item: Parse<T>, minItems: number, maxItems: number, emptyHint = ''): Parse<T[]> =>
  (ctx, value, field) => {
    if (!Array.isArray(value)) return fail(ctx, field, `must be an array, got ${kindOf(value)}`);
    if (value.length < minItems)
      return fail(ctx, field, `must list at least ${minItems} item${minItems === 1 ? '' : 's'}${emptyHint}`);
    if (value.length > maxItems)
      return fail(ctx, field, `must list at most ${maxItems} items, got ${value.length}`);
    const before = ctx.errors.length;
    const out = value.map((element: unknown, i) => item(ctx, element, `${field}[${i}]`));
    if (ctx.errors.length > before) return undefined;
    return out as T[];
  };

function rejectUnknownFields(
  ctx: Ctx,
  obj: Json,
  parent: string,
  known: readonly string[],
  what: string,
): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      fail(ctx, at(parent, key), `is not a known field of ${what}; known fields: ${known.join(', ')}`);
    }
  }
}

const BUSINESS_HOURS_FIELDS = Object.keys(BusinessHoursRangeSchema.properties);

function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

const parseBusinessHoursRange: Parse<BusinessHoursRange> = (ctx, value, field) => {
  if (!isJsonObject(value))
    return fail(ctx, field, `must be an object {weekday, open, close}, got ${kindOf(value)}`);
  const before = ctx.errors.length;
  rejectUnknownFields(ctx, value, field, BUSINESS_HOURS_FIELDS, 'a business hours range');
  const weekday = required(ctx, value, field, 'weekday', numberIn(1, 7, true));
  const time =
    (allowMidnight: boolean): Parse<string> =>
    (c, v, f) => {
      if (typeof v === 'string' && (TIME_OF_DAY.test(v) || (allowMidnight && v === '24:00'))) return v;
      const got = typeof v === 'string' ? quote(v) : kindOf(v);
      return fail(
        c,
        f,
        `must be a local time HH:MM from 00:00 to ${allowMidnight ? '24:00' : '23:59'} (got ${got})`,
      );
    };
  const open = required(ctx, value, field, 'open', time(false));
  const close = required(ctx, value, field, 'close', time(true));
  if (open !== undefined && close !== undefined && minutesOf(close) <= minutesOf(open)) {
    fail(ctx, at(field, 'close'), `must be later than open (${open}); got ${close}`);
  }
  if (ctx.errors.length > before || weekday === undefined || open === undefined || close === undefined)
    return undefined;
  return { weekday, open, close };
};

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

const parseBusinessHours: Parse<BusinessHoursRange[]> = (ctx, value, field) => {
  const ranges = parseArray(
    parseBusinessHoursRange,
    1,
    MAX_BUSINESS_HOURS_RANGES,
    ', or be null for a brand that keeps no business hours',
  )(ctx, value, field);
  if (ranges === undefined) return undefined;
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
  return overlapping ? undefined : ranges;
};

function defaultNeedsResponse(kind: MentionKind): boolean {
  return kind === 'question' || kind === 'complaint';
}

function readMention(ctx: Ctx, item: Json): MentionReceived | undefined {
  const eventId = required(ctx, item, '', 'eventId', parseId);
  const brandId = required(ctx, item, '', 'brandId', parseBrandId);
  const channel = required(ctx, item, '', 'channel', oneOf<Channel>(CHANNELS));
  const conversationId = required(ctx, item, '', 'conversationId', parseId);
  const messageId = required(ctx, item, '', 'messageId', parseId);
  const authorId = required(ctx, item, '', 'authorId', parseId);
  const receivedAt = required(ctx, item, '', 'receivedAt', parseEventTime);
  const kind = required(ctx, item, '', 'kind', oneOf<MentionKind>(MENTION_KINDS));
  const needsResponse = optional(ctx, item, '', 'needsResponse', parseBoolean, undefined);
  const sentiment = optional(ctx, item, '', 'sentiment', numberIn(-1, 1, false), null);
  const authorFollowers = optional(
    ctx,
    item,
    '',
    'authorFollowers',
    numberIn(0, Number.MAX_SAFE_INTEGER, true),
    null,
  );
  const isPrivate = optional(ctx, item, '', 'private', parseBoolean, false);
  const text = optional(ctx, item, '', 'text', textOf(0, MAX_TEXT_LENGTH), null);
  if (
    eventId === undefined ||
    brandId === undefined ||
    channel === undefined ||
    conversationId === undefined ||
    messageId === undefined ||
    authorId === undefined ||
    receivedAt === undefined ||
    kind === undefined ||
    sentiment === undefined ||
    authorFollowers === undefined ||
    isPrivate === undefined ||
    text === undefined
  ) {
    return undefined;
  }
  return {
    type: 'MentionReceived',
    eventId,
    brandId,
    channel,
    conversationId,
    messageId,
    authorId,
    receivedAt,
    kind,
    needsResponse: needsResponse ?? defaultNeedsResponse(kind),
    sentiment,
    authorFollowers,
    private: isPrivate,
    text,
  };
}

function readReply(ctx: Ctx, item: Json): ReplySent | undefined {
  const eventId = required(ctx, item, '', 'eventId', parseId);
  const brandId = required(ctx, item, '', 'brandId', parseBrandId);
  const channel = required(ctx, item, '', 'channel', oneOf<Channel>(CHANNELS));
  const conversationId = required(ctx, item, '', 'conversationId', parseId);
  const messageId = required(ctx, item, '', 'messageId', parseId);
  const inReplyTo = optional(ctx, item, '', 'inReplyTo', parseId, null);
  const agentId = required(ctx, item, '', 'agentId', parseId);
  const sentAt = required(ctx, item, '', 'sentAt', parseEventTime);
  const automated = optional(ctx, item, '', 'automated', parseBoolean, false);
  const isPrivate = optional(ctx, item, '', 'private', parseBoolean, false);
  if (
    eventId === undefined ||
    brandId === undefined ||
    channel === undefined ||
    conversationId === undefined ||
    messageId === undefined ||
    inReplyTo === undefined ||
    agentId === undefined ||
    sentAt === undefined ||
    automated === undefined ||
    isPrivate === undefined
  ) {
    return undefined;
  }
  return {
    type: 'ReplySent',
    eventId,
    brandId,
    channel,
    conversationId,
    messageId,
    inReplyTo,
    agentId,
    sentAt,
    automated,
    private: isPrivate,
  };
}

function readBrandPost(ctx: Ctx, item: Json): BrandPostPublished | undefined {
  const eventId = required(ctx, item, '', 'eventId', parseId);
  const brandId = required(ctx, item, '', 'brandId', parseBrandId);
  const channel = required(ctx, item, '', 'channel', oneOf<Channel>(CHANNELS));
  const postId = required(ctx, item, '', 'postId', parseId);
  const publishedAt = required(ctx, item, '', 'publishedAt', parseEventTime);
  if (
    eventId === undefined ||
    brandId === undefined ||
    channel === undefined ||
    postId === undefined ||
    publishedAt === undefined
  ) {
    return undefined;
  }
  return { type: 'BrandPostPublished', eventId, brandId, channel, postId, publishedAt };
}

function readBrandProfile(ctx: Ctx, item: Json): BrandProfileSet | undefined {
  const eventId = required(ctx, item, '', 'eventId', parseId);
  const brandId = required(ctx, item, '', 'brandId', parseBrandId);
  const name = required(ctx, item, '', 'name', textOf(1, MAX_NAME_LENGTH));
  const industry = required(ctx, item, '', 'industry', parseIndustry);
  const timezone = required(ctx, item, '', 'timezone', parseTimezone);
  const businessHours = optional(ctx, item, '', 'businessHours', parseBusinessHours, null);
  const slaTargetSeconds = optional(
    ctx,
    item,
    '',
    'slaTargetSeconds',
    numberIn(1, Number.MAX_SAFE_INTEGER, true),
    DEFAULT_SLA_TARGET_SECONDS,
  );
  const customerValue = optional(
    ctx,
    item,
    '',
    'customerValue',
    numberIn(0, Number.MAX_SAFE_INTEGER, false),
    null,
  );
  const ownAccountIds = optional(
    ctx,
    item,
    '',
    'ownAccountIds',
    parseArray(parseId, 0, MAX_OWN_ACCOUNT_IDS),
    [],
  );
  // The time of the request when the caller does not say: a value that arrives as data, not a clock read.
  // Not held to the retention window: a profile describes the brand rather than something that happened,
  // and one set long ago is still the brand's rules (the SLA fold judges older events by the first version).
  const setAt = optional(ctx, item, '', 'setAt', parseTimestamp, ctx.options.nowMs);
  if (
    eventId === undefined ||
    brandId === undefined ||
    name === undefined ||
    industry === undefined ||
    timezone === undefined ||
    businessHours === undefined ||
    slaTargetSeconds === undefined ||
    customerValue === undefined ||
    ownAccountIds === undefined ||
    setAt === undefined
  ) {
    return undefined;
  }
  return {
    type: 'BrandProfileSet',
    eventId,
    brandId,
    name,
    industry,
    timezone,
    businessHours,
    slaTargetSeconds,
    customerValue,
    ownAccountIds: [...new Set(ownAccountIds)],
    setAt,
  };
}

const READERS: { readonly [T in IngestItemType]: (ctx: Ctx, item: Json) => CareEvent | undefined } = {
  mention: readMention,
  reply: readReply,
  brand_post: readBrandPost,
  brand_profile: readBrandProfile,
};

/** The fields each item type may have, from its published schema (worked out once, not per item). */
const ITEM_FIELDS: { readonly [T in IngestItemType]: readonly string[] } = {
  mention: Object.keys(IngestMentionSchema.properties),
  reply: Object.keys(IngestReplySchema.properties),
  brand_post: Object.keys(IngestBrandPostSchema.properties),
  brand_profile: Object.keys(IngestBrandProfileSchema.properties),
};

const ITEM_NAMES: { readonly [T in IngestItemType]: string } = {
  mention: 'a mention',
  reply: 'a reply',
  brand_post: 'a brand_post',
  brand_profile: 'a brand_profile',
};

/**
 * Validates one ingest item and converts it to its event. Every problem is reported, not just the first,
 * each naming its field; nothing is partially accepted.
 */
export function validateItem(raw: unknown, index: number, options: ValidateOptions): ValidationResult {
  const ctx: Ctx = { index, options, errors: [] };
  if (!isJsonObject(raw)) {
    fail(ctx, '', `must be a JSON object with a "type" field, got ${kindOf(raw)}`);
    return { ok: false, errors: ctx.errors };
  }
  const type = required(ctx, raw, '', 'type', oneOf<IngestItemType>(INGEST_ITEM_TYPES));
  if (type === undefined) return { ok: false, errors: ctx.errors };
  rejectUnknownFields(ctx, raw, '', ITEM_FIELDS[type], ITEM_NAMES[type]);
  const event = READERS[type](ctx, raw);
  if (event === undefined || ctx.errors.length > 0) return { ok: false, errors: ctx.errors };
  return { ok: true, event };
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
      errors.push(...result.errors);
    }
  });
  return { events, indexes, errors };
}
