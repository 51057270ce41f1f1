import { describe, expect, it } from 'vitest';
import { CareError } from '@carestream/errors';
import {
  AVRO_NAMESPACE,
  AVRO_SCHEMAS,
  CARE_EVENT_TYPES,
  SCHEMA_COMPATIBILITY,
  avroSubjects,
  fromAvroRecord,
  fullRecordName,
  subjectName,
  toAvroRecord,
  topicOfSubject,
  type AvroField,
  type AvroRecordSchema,
  type AvroType,
} from './avro-schemas.ts';
import type { BrandPostPublished, BrandProfileSet, CareEvent, MentionReceived, ReplySent } from './events.ts';
import { IngestItemSchema } from './ingest-validation.ts';
import { topicNames } from './topics.ts';

// avsc is what @kafkajs/confluent-schema-registry encodes with. It arrives with that package; when it is not
// installed yet, the checks that need it are skipped rather than failing the build.
interface AvscType {
  toBuffer(value: unknown): Buffer;
  fromBuffer(buffer: Buffer, resolver?: unknown): unknown;
  createResolver(writer: AvscType): unknown;
  isValid(value: unknown): boolean;
}
interface Avsc {
  Type: { forSchema(schema: unknown): AvscType };
}
const AVSC_MODULE = 'avsc';
async function loadAvsc(): Promise<Avsc | undefined> {
  try {
    const mod = (await import(/* @vite-ignore */ AVSC_MODULE)) as { default?: Avsc } & Partial<Avsc>;
    return mod.default ?? (mod as Avsc);
  } catch {
    return undefined;
  }
}
const avsc = await loadAvsc();

const mention: MentionReceived = {
  type: 'MentionReceived',
  eventId: 'e-1',
  brandId: 'acme',
  channel: 'instagram',
  conversationId: 'c-1',
  messageId: 'm-1',
  authorId: 'u-1',
  receivedAt: Date.UTC(2026, 2, 1, 9, 30),
  kind: 'complaint',
  needsResponse: true,
  sentiment: -0.75,
  authorFollowers: 1200,
  private: false,
  text: 'Where is my parcel? 📦',
};
const mentionWithNulls: MentionReceived = {
  ...mention,
  eventId: 'e-2',
  sentiment: null,
  authorFollowers: null,
  text: null,
};
const reply: ReplySent = {
  type: 'ReplySent',
  eventId: 'e-3',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'c-1',
  messageId: 'm-2',
  inReplyTo: 'm-1',
  agentId: 'agent-7',
  sentAt: Date.UTC(2026, 2, 1, 10, 0),
  automated: false,
  private: true,
};
const post: BrandPostPublished = {
  type: 'BrandPostPublished',
  eventId: 'e-4',
  brandId: 'acme',
  channel: 'facebook',
  postId: 'p-1',
  publishedAt: Date.UTC(2026, 2, 1, 8, 0),
};
const profile: BrandProfileSet = {
  type: 'BrandProfileSet',
  eventId: 'e-5',
  brandId: 'acme',
  name: 'Acme Stores',
  industry: 'retail',
  timezone: 'Europe/Paris',
  businessHours: [
    { weekday: 1, open: '09:00', close: '18:00' },
    { weekday: 6, open: '10:00', close: '14:00' },
  ],
  slaTargetSeconds: 3600,
  customerValue: 420.5,
  ownAccountIds: ['2244994945', '104738491234567'],
  setAt: Date.UTC(2026, 2, 1),
};
const profileWithNulls: BrandProfileSet = {
  ...profile,
  businessHours: null,
  customerValue: null,
  ownAccountIds: [],
};
const samples: CareEvent[] = [mention, mentionWithNulls, reply, post, profile, profileWithNulls];

function fieldNames(schema: AvroRecordSchema): string[] {
  return schema.fields.map((f) => f.name);
}

describe('Avro schemas', () => {
  it('match events.ts field for field, without the type discriminator', () => {
    for (const event of samples) {
      const keys = Object.keys(event).filter((key) => key !== 'type');
      expect(fieldNames(AVRO_SCHEMAS[event.type])).toEqual(keys);
    }
  });

  it('live in the dev.carestream.events namespace, with BACKWARD compatibility', () => {
    for (const type of CARE_EVENT_TYPES) {
      expect(AVRO_SCHEMAS[type].namespace).toBe(AVRO_NAMESPACE);
      expect(AVRO_SCHEMAS[type].name).toBe(type);
    }
    expect(AVRO_NAMESPACE).toBe('dev.carestream.events');
    expect(SCHEMA_COMPATIBILITY).toBe('BACKWARD');
  });

  it('give every nullable field a null default and every enum the default other', () => {
    const check = (type: AvroType, f: AvroField): void => {
      if (Array.isArray(type)) {
        expect(type[0], f.name).toBe('null');
        expect(f.default, f.name).toBeNull();
      } else if (typeof type === 'object' && 'type' in type && type.type === 'enum') {
        expect(type.default).toBe('other');
        expect(type.symbols).toContain('other');
      }
    };
    for (const type of CARE_EVENT_TYPES) for (const f of AVRO_SCHEMAS[type].fields) check(f.type, f);
  });

  it('declare timestamps as long timestamp-millis', () => {
    const timestampFields = {
      MentionReceived: 'receivedAt',
      ReplySent: 'sentAt',
      BrandPostPublished: 'publishedAt',
      BrandProfileSet: 'setAt',
    };
    for (const [type, name] of Object.entries(timestampFields)) {
      const f = AVRO_SCHEMAS[type as keyof typeof timestampFields].fields.find(
        (candidate) => candidate.name === name,
      );
      expect(f?.type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
    }
  });
});

describe('subjects', () => {
  it('follow TopicRecordNameStrategy: <topic>-<full record name>', () => {
    expect(fullRecordName('ReplySent')).toBe('dev.carestream.events.ReplySent');
    expect(subjectName('carestream.interactions', 'MentionReceived')).toBe(
      'carestream.interactions-dev.carestream.events.MentionReceived',
    );
    const subjects = avroSubjects();
    expect(subjects.MentionReceived.topic).toBe('carestream.interactions');
    expect(subjects.ReplySent.subject).toBe('carestream.interactions-dev.carestream.events.ReplySent');
    expect(subjects.BrandPostPublished.subject).toBe(
      'carestream.brand-posts-dev.carestream.events.BrandPostPublished',
    );
    expect(subjects.BrandProfileSet.subject).toBe(
      'carestream.brand-profiles-dev.carestream.events.BrandProfileSet',
    );
  });

  it('follow the topic prefix', () => {
    expect(avroSubjects(topicNames('t-42.')).ReplySent.subject).toBe(
      't-42.carestream.interactions-dev.carestream.events.ReplySent',
    );
  });

  it('name their topic back, hyphens in the topic included, and no other topic', () => {
    for (const { topic, subject } of Object.values(avroSubjects(topicNames('t-42.')))) {
      expect(topicOfSubject(subject)).toBe(topic);
    }
    // A neighbour whose topic only extends ours is not ours: what test teardown relies on.
    expect(topicOfSubject('t-42.carestream.interactions-extra-dev.carestream.events.ReplySent')).toBe(
      't-42.carestream.interactions-extra',
    );
    expect(topicOfSubject('dev.carestream.events.ReplySent')).toBeUndefined();
  });
});

describe('toAvroRecord / fromAvroRecord', () => {
  it('remove and restore the type discriminator', () => {
    for (const event of samples) {
      const record = toAvroRecord(event);
      expect(record).not.toHaveProperty('type');
      expect(fromAvroRecord(event.type, record)).toEqual(event);
      expect(fromAvroRecord(fullRecordName(event.type), record)).toEqual(event);
    }
  });

  it('turn Dates and bigints from a differently configured decoder into epoch-ms numbers', () => {
    const record = { ...toAvroRecord(reply), sentAt: new Date(reply.sentAt) };
    expect(fromAvroRecord('ReplySent', record)).toEqual(reply);
    const withBigint = { ...toAvroRecord(mention), authorFollowers: 1200n };
    expect(fromAvroRecord('MentionReceived', withBigint)).toEqual(mention);
  });

  it('read an enum symbol it does not know as other, as the Avro resolver would', () => {
    const record = { ...toAvroRecord(post), channel: 'threads' };
    expect(fromAvroRecord('BrandPostPublished', record)).toMatchObject({ channel: 'other' });
  });

  it('reject an unknown record name or a value that does not fit, as a non-retriable decode error', () => {
    expect(() => fromAvroRecord('dev.carestream.events.Nope', {})).toThrow(/unknown record name/);
    const missing = (() => {
      try {
        fromAvroRecord('ReplySent', { ...toAvroRecord(reply), agentId: undefined });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(missing).toBeInstanceOf(CareError);
    expect(missing).toMatchObject({ code: 'CARE_ERR_DECODE', retriable: false, field: 'agentId' });
    expect(() =>
      fromAvroRecord('BrandProfileSet', { ...toAvroRecord(profile), businessHours: [{ weekday: '1' }] }),
    ).toThrow(/businessHours\[0\]\.weekday must be int/);
    // Past ingest, a profile still meets ingest's bounds on its target.
    for (const slaTargetSeconds of [0, 31_536_001, 2 ** 31 - 1])
      expect(() => fromAvroRecord('BrandProfileSet', { ...toAvroRecord(profile), slaTargetSeconds })).toThrow(
        /slaTargetSeconds must be between 1 and 31536000/,
      );
    expect(
      fromAvroRecord('BrandProfileSet', { ...toAvroRecord(profile), slaTargetSeconds: 31_536_000 }),
    ).toMatchObject({
      slaTargetSeconds: 31_536_000,
    });
  });

  it('refuse a profile whose time zone is not an IANA zone (the fold could not read it)', () => {
    for (const timezone of ['UTC+3', 'local', 'Mars/Olympus', '+01:00'])
      expect(() => fromAvroRecord('BrandProfileSet', { ...toAvroRecord(profile), timezone })).toThrow(
        expect.objectContaining({ code: 'CARE_ERR_DECODE', field: 'timezone' }),
      );
    expect(
      fromAvroRecord('BrandProfileSet', { ...toAvroRecord(profile), timezone: 'Asia/Kolkata' }),
    ).toMatchObject({ timezone: 'Asia/Kolkata' });
  });

  it('drop fields a newer writer added that this reader does not know', () => {
    const record = { ...toAvroRecord(post), campaignId: 'spring' };
    expect(fromAvroRecord('BrandPostPublished', record)).toEqual(post);
  });
});

describe.skipIf(avsc === undefined)('with avsc (the registry client’s Avro library)', () => {
  const Type = avsc?.Type;
  const forSchema = (schema: unknown): AvscType => {
    if (Type === undefined) throw new Error('avsc not loaded');
    return Type.forSchema(schema);
  };

  it('parses every schema and round-trips sample events, timestamps as numbers', () => {
    for (const event of samples) {
      const type = forSchema(AVRO_SCHEMAS[event.type]);
      const record = toAvroRecord(event);
      expect(type.isValid(record)).toBe(true);
      const decoded = type.fromBuffer(type.toBuffer(record));
      expect(fromAvroRecord(event.type, decoded)).toEqual(event);
      expect(
        typeof (decoded as Record<string, unknown>)[Object.keys(record).find((k) => k.endsWith('At')) ?? ''],
      ).toBe('number');
    }
  });

  it('lets a reader with one more optional field (default null) read data written with the old schema', () => {
    const oldSchema = AVRO_SCHEMAS.ReplySent;
    const newSchema = {
      ...oldSchema,
      fields: [...oldSchema.fields, { name: 'agentTeam', type: ['null', 'string'], default: null }],
    };
    const writer = forSchema(oldSchema);
    const reader = forSchema(newSchema);
    const decoded = reader.fromBuffer(writer.toBuffer(toAvroRecord(reply)), reader.createResolver(writer));
    expect(decoded).toMatchObject({ ...toAvroRecord(reply), agentTeam: null });
    // ...and this package's reader, the old one, reads what the new writer wrote.
    const newRecord = { ...toAvroRecord(reply), agentTeam: 'tier-2' };
    const back = writer.fromBuffer(reader.toBuffer(newRecord), writer.createResolver(reader));
    expect(fromAvroRecord('ReplySent', back)).toEqual(reply);
  });

  it('detects an incompatible change: a new required field without a default', () => {
    const oldSchema = AVRO_SCHEMAS.MentionReceived;
    const newSchema = { ...oldSchema, fields: [...oldSchema.fields, { name: 'language', type: 'string' }] };
    expect(() => forSchema(newSchema).createResolver(forSchema(oldSchema))).toThrow();
  });

  it('lets an old reader read a channel symbol appended later, as other', () => {
    const oldSchema = AVRO_SCHEMAS.BrandPostPublished;
    const newSchema = {
      ...oldSchema,
      fields: oldSchema.fields.map((f) =>
        f.name === 'channel' && typeof f.type === 'object' && 'symbols' in f.type
          ? { ...f, type: { ...f.type, symbols: [...f.type.symbols, 'threads'] } }
          : f,
      ),
    };
    const writer = forSchema(newSchema);
    const reader = forSchema(oldSchema);
    const bytes = writer.toBuffer({ ...toAvroRecord(post), channel: 'threads' });
    expect(
      fromAvroRecord('BrandPostPublished', reader.fromBuffer(bytes, reader.createResolver(writer))),
    ).toMatchObject({
      channel: 'other',
    });
  });
});

describe('Avro int fields and what ingest accepts', () => {
  const INT_MAX = 2 ** 31 - 1;

  function intFieldNames(type: AvroType, names: Set<string>): void {
    if (typeof type === 'string') return;
    if (Array.isArray(type)) {
      for (const member of type as readonly AvroType[]) intFieldNames(member, names);
      return;
    }
    const node = type as { type?: unknown; items?: AvroType; fields?: readonly AvroField[] };
    if (node.type === 'array' && node.items) intFieldNames(node.items, names);
    for (const field of node.fields ?? []) {
      const members = Array.isArray(field.type) ? (field.type as readonly AvroType[]) : [field.type];
      if (members.includes('int')) names.add(field.name);
      intFieldNames(field.type, names);
    }
  }

  function ingestProperties(schema: unknown, name: string, found: Record<string, unknown>[]): void {
    if (typeof schema !== 'object' || schema === null) return;
    const node = schema as Record<string, unknown>;
    const properties = node.properties as Record<string, unknown> | undefined;
    if (properties?.[name]) found.push(properties[name] as Record<string, unknown>);
    for (const value of Object.values(node)) ingestProperties(value, name, found);
  }

  // An int the validator lets through but Avro cannot encode fails the whole request after validation.
  it('every Avro int field is bounded within int32 by the ingest schema that fills it', () => {
    const names = new Set<string>();
    for (const type of CARE_EVENT_TYPES) intFieldNames(AVRO_SCHEMAS[type], names);
    expect([...names].sort()).toEqual(['slaTargetSeconds', 'weekday']);
    for (const name of names) {
      const found: Record<string, unknown>[] = [];
      ingestProperties(IngestItemSchema, name, found);
      expect(found.length, name).toBeGreaterThan(0);
      for (const property of found) {
        const bounds = (property.anyOf as Record<string, unknown>[] | undefined)?.[0] ?? property;
        expect(bounds.type, name).toBe('integer');
        expect(bounds.maximum as number, name).toBeLessThanOrEqual(INT_MAX);
        expect(bounds.minimum as number, name).toBeGreaterThanOrEqual(-INT_MAX - 1);
      }
    }
  });
});
