// Avro schemas of the facts, registered in the schema registry. They match events.ts field for field, except
// that the `type` discriminator is not stored: the record name says which fact a message is.
//
// Timestamps: declared as `long` with logicalType `timestamp-millis`, so that other readers (Kafka Connect,
// Spark, Java consumers) see them as instants. avsc, which @kafkajs/confluent-schema-registry uses, applies
// a logical type only when it is given an implementation in `forSchemaOptions.logicalTypes`; carestream
// passes none, so the values decode as plain epoch-millisecond numbers, as events.ts says. Should someone
// configure a Date logical type anyway, `fromAvroRecord` turns Dates back into numbers.
import { CareError } from '@carestream/errors';
import { CHANNELS, MENTION_KINDS, type CareEvent } from './events.ts';
import { eventIdProblem, withCleanText } from './id-grammar.ts';
import { canonicalTimezone, MAX_SLA_TARGET_SECONDS } from './ingest-validation.ts';
import { TOPIC_NAMES, topicFor, type TopicNames } from './topics.ts';

export const AVRO_NAMESPACE = 'dev.carestream.events';

/**
 * The registry checks every new version of a subject against the previous one: BACKWARD means consumers
 * using the new schema can read data written with the old one, so consumers are upgraded first.
 */
export const SCHEMA_COMPATIBILITY = 'BACKWARD';

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'bytes';
export interface AvroLogical {
  readonly type: 'long';
  readonly logicalType: 'timestamp-millis';
}
export interface AvroEnum {
  readonly type: 'enum';
  readonly name: string;
  readonly symbols: readonly string[];
  readonly default: string;
  readonly doc?: string;
}
export interface AvroArray {
  readonly type: 'array';
  readonly items: AvroType;
}
export interface AvroField {
  readonly name: string;
  readonly type: AvroType;
  readonly default?: unknown;
  readonly doc?: string;
}
export interface AvroRecordSchema {
  readonly type: 'record';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
  readonly fields: readonly AvroField[];
}
/** A primitive's name, or the name of a type defined earlier in the same schema (hence plain string). */
export type AvroType = string | AvroLogical | AvroEnum | AvroArray | AvroRecordSchema | readonly AvroType[];

export type CareEventType = CareEvent['type'];
export const CARE_EVENT_TYPES: readonly CareEventType[] = [
  'MentionReceived',
  'ReplySent',
  'BrandPostPublished',
  'BrandProfileSet',
];

const field = (name: string, type: AvroType, doc?: string): AvroField =>
  doc === undefined ? { name, type } : { name, type, doc };
const ts = (name: string, doc: string): AvroField =>
  field(name, { type: 'long', logicalType: 'timestamp-millis' }, `${doc} Epoch milliseconds, UTC.`);
const nullable = (name: string, type: AvroType, doc?: string): AvroField => ({
  ...field(name, ['null', type], doc),
  default: null,
});

// Enums name `other` as their default: a reader meeting a symbol it does not know (added by a newer writer)
// reads `other` instead of failing. New symbols are only ever appended.
const channelEnum: AvroEnum = {
  type: 'enum',
  name: 'Channel',
  symbols: CHANNELS,
  default: 'other',
  doc: 'Where the message was posted.',
};
const mentionKindEnum: AvroEnum = {
  type: 'enum',
  name: 'MentionKind',
  symbols: MENTION_KINDS,
  default: 'other',
};

export const MENTION_RECEIVED_SCHEMA: AvroRecordSchema = {
  type: 'record',
  name: 'MentionReceived',
  namespace: AVRO_NAMESPACE,
  doc: "A customer's message to or about the brand.",
  fields: [
    field('eventId', 'string', 'Idempotency key: the same eventId twice counts once.'),
    field('brandId', 'string'),
    field('channel', channelEnum),
    field('conversationId', 'string'),
    field('messageId', 'string'),
    field('authorId', 'string'),
    ts('receivedAt', 'When the customer posted it.'),
    field('kind', mentionKindEnum),
    field('needsResponse', 'boolean'),
    nullable('sentiment', 'double', '-1 (negative) .. 1 (positive).'),
    nullable('authorFollowers', 'long'),
    field('private', 'boolean', 'A direct message rather than a public post or comment.'),
    nullable('text', 'string'),
  ],
};

export const REPLY_SENT_SCHEMA: AvroRecordSchema = {
  type: 'record',
  name: 'ReplySent',
  namespace: AVRO_NAMESPACE,
  doc: "The brand's answer in a conversation.",
  fields: [
    field('eventId', 'string', 'Idempotency key: the same eventId twice counts once.'),
    field('brandId', 'string'),
    field('channel', channelEnum),
    field('conversationId', 'string'),
    field('messageId', 'string'),
    nullable('inReplyTo', 'string'),
    field('agentId', 'string'),
    ts('sentAt', 'When the brand sent it.'),
    field('automated', 'boolean', 'Sent by a bot or an auto-rule: never counts as an answer.'),
    field('private', 'boolean'),
  ],
};

export const BRAND_POST_PUBLISHED_SCHEMA: AvroRecordSchema = {
  type: 'record',
  name: 'BrandPostPublished',
  namespace: AVRO_NAMESPACE,
  doc: 'A broadcast or promotional post, for the posts-per-reply ratio.',
  fields: [
    field('eventId', 'string', 'Idempotency key: the same eventId twice counts once.'),
    field('brandId', 'string'),
    field('channel', channelEnum),
    field('postId', 'string'),
    ts('publishedAt', 'When the post went out.'),
  ],
};

export const BRAND_PROFILE_SET_SCHEMA: AvroRecordSchema = {
  type: 'record',
  name: 'BrandProfileSet',
  namespace: AVRO_NAMESPACE,
  doc: 'Reference data for a brand; the latest one per brandId wins (log-compacted topic).',
  fields: [
    field('eventId', 'string', 'Idempotency key: the same eventId twice counts once.'),
    field('brandId', 'string'),
    field('name', 'string'),
    field(
      'industry',
      'string',
      'Lower-case slug such as retail or banking; a string, not an enum, so new ones need no schema change.',
    ),
    field('timezone', 'string', 'IANA time zone, e.g. Europe/Paris.'),
    nullable(
      'businessHours',
      {
        type: 'array',
        items: {
          type: 'record',
          name: 'BusinessHoursRange',
          doc: 'Opening hours for one ISO weekday (1 = Monday .. 7 = Sunday), local time HH:MM, close > open.',
          fields: [field('weekday', 'int'), field('open', 'string'), field('close', 'string')],
        },
      },
      'null: the brand keeps no business hours (every hour counts).',
    ),
    field('slaTargetSeconds', 'int'),
    nullable('customerValue', 'double'),
    { ...field('ownAccountIds', { type: 'array', items: 'string' }), default: [] },
    ts('setAt', 'When this profile was set.'),
  ],
};

export const AVRO_SCHEMAS: { readonly [T in CareEventType]: AvroRecordSchema } = {
  MentionReceived: MENTION_RECEIVED_SCHEMA,
  ReplySent: REPLY_SENT_SCHEMA,
  BrandPostPublished: BRAND_POST_PUBLISHED_SCHEMA,
  BrandProfileSet: BRAND_PROFILE_SET_SCHEMA,
};

/** `dev.carestream.events.MentionReceived` */
export function fullRecordName(type: CareEventType): string {
  return `${AVRO_NAMESPACE}.${type}`;
}

/** Confluent's TopicRecordNameStrategy: several record types share a topic, each with its own subject. */
export function subjectName(topic: string, type: CareEventType): string {
  return `${topic}-${fullRecordName(type)}`;
}

/**
 * The topic a TopicRecordNameStrategy subject belongs to (the inverse of subjectName, for any record): an Avro
 * full name cannot contain '-', so the topic is everything before the last one, even when the topic has '-'
 * of its own. undefined for a subject that has no topic part.
 */
export function topicOfSubject(subject: string): string | undefined {
  const dash = subject.lastIndexOf('-');
  return dash > 0 ? subject.slice(0, dash) : undefined;
}

export interface AvroSubject {
  readonly type: CareEventType;
  readonly topic: string;
  readonly subject: string;
  readonly schema: AvroRecordSchema;
}

/** Each record type with its topic, subject and schema: what to register at start-up. */
export function avroSubjects(names: TopicNames = TOPIC_NAMES): Record<CareEventType, AvroSubject> {
  const entry = (type: CareEventType): AvroSubject => {
    const topic = topicFor({ type }, names);
    return { type, topic, subject: subjectName(topic, type), schema: AVRO_SCHEMAS[type] };
  };
  return {
    MentionReceived: entry('MentionReceived'),
    ReplySent: entry('ReplySent'),
    BrandPostPublished: entry('BrandPostPublished'),
    BrandProfileSet: entry('BrandProfileSet'),
  };
}

/** The record to Avro-encode: the event without its `type`, which the record name carries. */
export type AvroRecordOf<E extends CareEvent> = Omit<E, 'type'>;

export function toAvroRecord<E extends CareEvent>(event: E): AvroRecordOf<E> {
  const { type: _type, ...record } = event;
  return record;
}

function recordTypeOf(recordName: string): CareEventType | undefined {
  const short = recordName.startsWith(`${AVRO_NAMESPACE}.`)
    ? recordName.slice(AVRO_NAMESPACE.length + 1)
    : recordName;
  return CARE_EVENT_TYPES.find((type) => type === short);
}

function decodeError(message: string, field?: string): CareError {
  return new CareError('CARE_ERR_DECODE', message, field === undefined ? {} : { field });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

// Checks a decoded value against the schema it was decoded with and normalises what a differently
// configured decoder could hand back (Date for timestamp-millis, bigint for long).
function isUnion(type: AvroType): type is readonly AvroType[] {
  return Array.isArray(type);
}

function conform(type: AvroType, value: unknown, path: string): unknown {
  if (isUnion(type)) {
    const branches = type;
    if (value === null && branches.includes('null')) return null;
    const other = branches.find((branch) => branch !== 'null');
    if (other === undefined) throw decodeError(`${path} must be null, got ${describe(value)}`, path);
    return conform(other, value, path);
  }
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        if (typeof value === 'string') return value;
        break;
      case 'boolean':
        if (typeof value === 'boolean') return value;
        break;
      case 'int':
      case 'long':
        if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) return Number(value);
        if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
        break;
      case 'float':
      case 'double':
        if (typeof value === 'number') return value;
        break;
      case 'null':
        if (value === null) return null;
        break;
      default:
        throw decodeError(`${path} has a type this decoder does not know: ${type}`, path);
    }
    throw decodeError(`${path} must be ${type}, got ${describe(value)}`, path);
  }
  if (type.type === 'long') {
    if (value instanceof Date) return value.getTime();
    return conform('long', value, path);
  }
  if (type.type === 'enum') {
    if (typeof value === 'string' && type.symbols.includes(value)) return value;
    // A symbol this reader does not know: the schema's default, as the Avro resolver would do.
    if (typeof value === 'string') return type.default;
    throw decodeError(`${path} must be one of ${type.symbols.join(', ')}, got ${describe(value)}`, path);
  }
  if (type.type === 'array') {
    if (!Array.isArray(value)) throw decodeError(`${path} must be an array, got ${describe(value)}`, path);
    return value.map((item: unknown, i) => conform(type.items, item, `${path}[${i}]`));
  }
  return conformRecord(type, value, path);
}

/** The record's fields, checked against the schema, added to `out` (a new object unless given). */
function conformRecord(
  schema: AvroRecordSchema,
  value: unknown,
  path: string,
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw decodeError(`${path || schema.name} must be a record, got ${describe(value)}`, path);
  }
  const source = value as Record<string, unknown>;
  for (const f of schema.fields) {
    const fieldPath = path === '' ? f.name : `${path}.${f.name}`;
    const raw = source[f.name];
    if (raw === undefined && f.default !== undefined) {
      out[f.name] = f.default;
      continue;
    }
    if (raw === undefined) throw decodeError(`${fieldPath} is missing`, fieldPath);
    out[f.name] = conform(f.type, raw, fieldPath);
  }
  return out;
}

/**
 * Turns a decoded Avro record back into the event: adds `type` from the record name (short or full),
 * checks each field against the schema, keeps only the schema's fields, holds the ids to the id grammar and
 * cleans the free text (id-grammar.ts) as ingest does: a message produced straight to Kafka, past ingest,
 * meets the same rules. Throws CARE_ERR_DECODE (not retriable: dead-letter the message) for an unknown record
 * name, a value that does not fit or an id that breaks the grammar.
 */
export function fromAvroRecord(recordName: string, value: unknown): CareEvent {
  const type = recordTypeOf(recordName);
  if (type === undefined) {
    throw decodeError(
      `unknown record name ${recordName}; expected one of ${CARE_EVENT_TYPES.map(fullRecordName).join(', ')}`,
    );
  }
  // conformRecord checks every field against the schema, which matches the TypeScript type field for field.
  const event = conformRecord(AVRO_SCHEMAS[type], value, '', { type }) as unknown as CareEvent;
  const badId = eventIdProblem(event);
  if (badId !== undefined) throw decodeError(`${badId.field} ${badId.message}`, badId.field);
  // The bound ingest holds a target to: a longer one would keep an unanswered mention in its state that long.
  if (
    event.type === 'BrandProfileSet' &&
    !(event.slaTargetSeconds >= 1 && event.slaTargetSeconds <= MAX_SLA_TARGET_SECONDS)
  )
    throw decodeError(
      `slaTargetSeconds must be between 1 and ${MAX_SLA_TARGET_SECONDS}, got ${event.slaTargetSeconds}`,
      'slaTargetSeconds',
    );
  // A zone the fold cannot read would fail every later event of the brand: the profile itself is refused.
  if (event.type === 'BrandProfileSet' && canonicalTimezone(event.timezone) === undefined)
    throw decodeError(
      `timezone must be an IANA time zone name such as Europe/Paris, got ${JSON.stringify(event.timezone)}`,
      'timezone',
    );
  return withCleanText(event);
}
