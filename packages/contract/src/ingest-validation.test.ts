import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FIXED_INSTANTS } from '@carestream/test-support/fixed-clocks';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETENTION_MS,
  INGEST_SCHEMAS,
  IngestItemSchema,
  validateItem,
  validateItems,
  type FieldError,
  type ValidateOptions,
} from './ingest-validation.ts';
import { DAY_MS, describeDuration, parseIsoTimestamp } from './iso-timestamp.ts';

const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);
const options: ValidateOptions = {
  nowMs: NOW,
  maxFutureSkewMs: 5 * 60_000,
  retentionMs: DEFAULT_RETENTION_MS,
};

const mention = {
  type: 'mention',
  eventId: 'evt-1',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'conv-1',
  messageId: 'msg-1',
  authorId: 'user-1',
  receivedAt: '2026-03-02T09:15:30Z',
  kind: 'complaint',
};
const reply = {
  type: 'reply',
  eventId: 'evt-2',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'conv-1',
  messageId: 'msg-2',
  agentId: 'agent-7',
  sentAt: '2026-03-02T10:15:30+01:00',
};
const brandPost = {
  type: 'brand_post',
  eventId: 'evt-3',
  brandId: 'acme',
  channel: 'facebook',
  postId: 'post-1',
  publishedAt: '2026-03-02T08:00:00.250Z',
};
const brandProfile = {
  type: 'brand_profile',
  eventId: 'evt-4',
  brandId: 'acme',
  name: 'Acme Stores',
  industry: 'consumer-goods',
  timezone: 'Europe/Paris',
};

function errorsOf(raw: unknown, opts: ValidateOptions = options): FieldError[] {
  const result = validateItem(raw, 4, opts);
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.event)}`);
  return result.errors;
}

function eventOf(raw: unknown) {
  const result = validateItem(raw, 0, options);
  if (!result.ok) throw new Error(`expected an event, got ${JSON.stringify(result.errors)}`);
  return result.event;
}

describe('valid items become events', () => {
  it('mention: epoch ms, defaults from kind, nulls for absent optionals', () => {
    expect(eventOf(mention)).toEqual({
      type: 'MentionReceived',
      eventId: 'evt-1',
      brandId: 'acme',
      channel: 'x',
      conversationId: 'conv-1',
      messageId: 'msg-1',
      authorId: 'user-1',
      receivedAt: Date.UTC(2026, 2, 2, 9, 15, 30),
      kind: 'complaint',
      needsResponse: true,
      sentiment: null,
      authorFollowers: null,
      private: false,
      text: null,
    });
  });

  it('needsResponse defaults from kind and can be overridden', () => {
    const needs = (extra: object) =>
      (eventOf({ ...mention, ...extra }) as { needsResponse: boolean }).needsResponse;
    expect(needs({ kind: 'question' })).toBe(true);
    expect(needs({ kind: 'complaint' })).toBe(true);
    expect(needs({ kind: 'praise' })).toBe(false);
    expect(needs({ kind: 'other' })).toBe(false);
    expect(needs({ kind: 'praise', needsResponse: true })).toBe(true);
  });

  it('mention with every optional field', () => {
    expect(
      eventOf({
        ...mention,
        sentiment: -1,
        authorFollowers: 0,
        private: true,
        text: 'x'.repeat(10_000),
        needsResponse: false,
      }),
    ).toMatchObject({ sentiment: -1, authorFollowers: 0, private: true, needsResponse: false });
    expect(eventOf({ ...mention, sentiment: null, text: null })).toMatchObject({
      sentiment: null,
      text: null,
    });
  });

  it('reply: offsets are honoured, booleans default to false', () => {
    expect(eventOf(reply)).toEqual({
      type: 'ReplySent',
      eventId: 'evt-2',
      brandId: 'acme',
      channel: 'x',
      conversationId: 'conv-1',
      messageId: 'msg-2',
      inReplyTo: null,
      agentId: 'agent-7',
      sentAt: Date.UTC(2026, 2, 2, 9, 15, 30),
      automated: false,
      private: false,
    });
    expect(eventOf({ ...reply, inReplyTo: 'msg-1', automated: true })).toMatchObject({
      inReplyTo: 'msg-1',
      automated: true,
    });
  });

  it('brand_post keeps milliseconds', () => {
    expect(eventOf(brandPost)).toEqual({
      type: 'BrandPostPublished',
      eventId: 'evt-3',
      brandId: 'acme',
      channel: 'facebook',
      postId: 'post-1',
      publishedAt: Date.UTC(2026, 2, 2, 8, 0, 0, 250),
    });
  });

  it('brand_profile: defaults, canonical time zone, business hours', () => {
    expect(eventOf(brandProfile)).toEqual({
      type: 'BrandProfileSet',
      eventId: 'evt-4',
      brandId: 'acme',
      name: 'Acme Stores',
      industry: 'consumer-goods',
      timezone: 'Europe/Paris',
      businessHours: null,
      slaTargetSeconds: 3600,
      customerValue: null,
      ownAccountIds: [],
      setAt: NOW,
    });
    expect(
      eventOf({
        ...brandProfile,
        timezone: 'america/new_york',
        businessHours: [
          { weekday: 1, open: '09:00', close: '12:00' },
          { weekday: 1, open: '12:00', close: '18:00' },
          { weekday: 7, open: '00:00', close: '24:00' },
        ],
        slaTargetSeconds: 900,
        customerValue: 120.5,
        ownAccountIds: ['2244994945', '2244994945', 'page-1'],
        setAt: '2026-03-01T00:00:00Z',
      }),
    ).toMatchObject({
      timezone: 'America/New_York',
      businessHours: [
        { weekday: 1, open: '09:00', close: '12:00' },
        { weekday: 1, open: '12:00', close: '18:00' },
        { weekday: 7, open: '00:00', close: '24:00' },
      ],
      slaTargetSeconds: 900,
      customerValue: 120.5,
      ownAccountIds: ['2244994945', 'page-1'],
      setAt: Date.UTC(2026, 2, 1),
    });
  });

  it('the published TypeBox schemas accept the same valid items', () => {
    // TypeBox knows no formats until told (fastify's Ajv brings ajv-formats); registered here, not on import.
    if (!FormatRegistry.Has('date-time'))
      FormatRegistry.Set('date-time', (text) => parseIsoTimestamp(text).ok);
    for (const item of [mention, reply, brandPost, brandProfile]) {
      expect(Value.Check(IngestItemSchema, item)).toBe(true);
    }
  });
});

describe('bad input: every error names the field and why', () => {
  it('not an object', () => {
    expect(errorsOf('hello')).toEqual([
      { index: 4, field: 'item', message: 'must be a JSON object with a "type" field, got a string' },
    ]);
    expect(errorsOf([mention])[0]?.message).toMatch(/got an array/);
    expect(errorsOf(null)[0]?.message).toMatch(/got null/);
  });

  it('missing or unknown type', () => {
    expect(errorsOf({ ...mention, type: undefined })).toEqual([
      { index: 4, field: 'type', message: 'is required' },
    ]);
    expect(errorsOf({ ...mention, type: 'tweet' })).toEqual([
      {
        index: 4,
        field: 'type',
        message: 'must be one of: mention, reply, brand_post, brand_profile (got "tweet")',
      },
    ]);
    expect(errorsOf({ ...mention, type: 3 })[0]?.message).toMatch(/must be one of: .* \(got an integer\)/);
  });

  it('missing fields, all of them at once', () => {
    expect(errorsOf({ type: 'brand_post' })).toEqual(
      ['eventId', 'brandId', 'channel', 'postId', 'publishedAt'].map((field) => ({
        index: 4,
        field,
        message: 'is required',
      })),
    );
    expect(errorsOf({ ...brandProfile, eventId: undefined })).toEqual([
      { index: 4, field: 'eventId', message: 'is required' },
    ]);
  });

  it('unknown fields are rejected', () => {
    const errors = errorsOf({ ...reply, text: 'hi', Agent: 'x' });
    expect(errors.map((e) => e.field)).toEqual(['text', 'Agent']);
    expect(errors[0]?.message).toMatch(
      /^is not a known field of a reply; known fields: type, eventId, brandId, /,
    );
  });

  it('wrong types', () => {
    const errors = errorsOf({
      ...mention,
      eventId: 42,
      needsResponse: 'yes',
      sentiment: '0.5',
      authorFollowers: 10.5,
      private: 1,
      text: ['a'],
    });
    expect(errors).toEqual([
      { index: 4, field: 'eventId', message: 'must be a string, got an integer' },
      { index: 4, field: 'needsResponse', message: 'must be true or false, got a string' },
      { index: 4, field: 'sentiment', message: 'must be a number, got a string' },
      { index: 4, field: 'authorFollowers', message: 'must be a whole number, got 10.5' },
      { index: 4, field: 'private', message: 'must be true or false, got an integer' },
      { index: 4, field: 'text', message: 'must be a string, got an array' },
    ]);
  });

  it('ranges and lengths', () => {
    const errors = errorsOf({
      ...mention,
      sentiment: 1.5,
      authorFollowers: -3,
      brandId: '',
      messageId: 'm'.repeat(257),
      text: 'x'.repeat(10_001),
    });
    expect(errors).toEqual([
      { index: 4, field: 'brandId', message: 'must not be empty' },
      { index: 4, field: 'messageId', message: 'must be at most 256 characters, got 257' },
      { index: 4, field: 'sentiment', message: 'must be between -1 and 1, got 1.5' },
      { index: 4, field: 'authorFollowers', message: 'must not be negative, got -3' },
      { index: 4, field: 'text', message: 'must be at most 10000 characters, got 10001' },
    ]);
    // Lengths count characters (code points), not UTF-16 units: 256 emoji are a valid id.
    expect(validateItem({ ...mention, authorId: '😀'.repeat(256) }, 0, options).ok).toBe(true);
  });

  it.each([mention, reply, brandPost, brandProfile])(
    'a brand id with a colon is refused, for it would make another brand’s conversation key ($type)',
    (item) => {
      expect(errorsOf({ ...item, brandId: 'acme:uk' })).toEqual([
        {
          index: 4,
          field: 'brandId',
          message:
            `contains ":" at character 5; a brand id is ASCII letters, digits, '-', '_' and single dots, ` +
            `starting with a letter or digit, e.g. acme or brand-7 (it goes in URL paths and, before ':', in ` +
            `conversation keys)`,
        },
      ]);
    },
  );

  it('bad enums list the allowed values', () => {
    const errors = errorsOf({ ...mention, channel: 'twitter', kind: 'Complaint' });
    expect(errors).toEqual([
      {
        index: 4,
        field: 'channel',
        message:
          'must be one of: x, facebook, instagram, tiktok, youtube, linkedin, email, other (got "twitter")',
      },
      {
        index: 4,
        field: 'kind',
        message: 'must be one of: question, complaint, praise, other (got "Complaint")',
      },
    ]);
  });

  it('bad timestamps', () => {
    const messageFor = (receivedAt: unknown) => errorsOf({ ...mention, receivedAt })[0];
    expect(messageFor('2026-02-30T10:00:00Z')).toEqual({
      index: 4,
      field: 'receivedAt',
      message: 'is not a calendar date: February 2026 has 28 days (got "2026-02-30T10:00:00Z")',
    });
    expect(messageFor('2026-03-02T10:00:00')?.message).toMatch(/^has no time zone offset; add Z for UTC/);
    expect(messageFor('2026-03-02')?.message).toMatch(/not a date alone/);
    expect(messageFor('yesterday')?.message).toMatch(/^must be an ISO 8601 date-time with an offset/);
    expect(messageFor('2026-03-02T25:00:00Z')?.message).toMatch(/hours run 00 to 23/);
    expect(messageFor('2026-13-02T10:00:00Z')?.message).toMatch(/months run 01 to 12/);
    expect(messageFor('1969-12-31T23:59:59Z')?.message).toMatch(/1970 or later/);
    expect(messageFor(1772442930000)?.message).toMatch(
      /must be an ISO 8601 date-time string .* got an integer/,
    );
    // 2024 is a leap year (asked in March 2024, inside the retention window).
    expect(
      validateItem({ ...mention, receivedAt: '2024-02-29T10:00:00Z' }, 0, {
        ...options,
        nowMs: Date.UTC(2024, 2, 1),
      }).ok,
    ).toBe(true);
  });

  it('timestamps too far in the future, beyond the allowed clock skew', () => {
    const threeHoursAhead = new Date(NOW + 3 * 3_600_000).toISOString();
    expect(errorsOf({ ...reply, sentAt: threeHoursAhead })).toEqual([
      {
        index: 4,
        field: 'sentAt',
        message: 'is 3 hours in the future; at most 5 minutes of clock skew is allowed',
      },
    ]);
    const withinSkew = new Date(NOW + 4 * 60_000).toISOString();
    expect(validateItem({ ...reply, sentAt: withinSkew }, 0, options).ok).toBe(true);
    expect(
      errorsOf(
        { ...brandPost, publishedAt: new Date(NOW + 1000).toISOString() },
        { ...options, maxFutureSkewMs: 0 },
      )[0]?.message,
    ).toBe('is 1 second in the future; no clock skew is allowed');
  });

  it('event times older than the retention window, naming the field, the window and the cut-off', () => {
    // 400 days before 2028-02-29T12:00Z (a leap day, 366 days after 2027-02-28) and before 31 Dec 23:59 UTC.
    const cases = [
      { now: '2028-02-29T12:00:00Z', cutoff: '2027-01-25T12:00:00.000Z' },
      { now: '2026-12-31T23:59:00Z', cutoff: '2025-11-26T23:59:00.000Z' },
    ];
    for (const { now, cutoff } of cases) {
      const at = { ...options, nowMs: Date.parse(now) };
      const justBefore = new Date(Date.parse(cutoff) - 1).toISOString();
      const message = `is older than the retention window of 400 days (before ${cutoff}); carestream keeps exact figures only inside it`;
      expect(errorsOf({ ...mention, receivedAt: justBefore }, at), now).toEqual([
        { index: 4, field: 'receivedAt', message },
      ]);
      expect(errorsOf({ ...reply, sentAt: justBefore }, at), now).toEqual([
        { index: 4, field: 'sentAt', message },
      ]);
      expect(errorsOf({ ...brandPost, publishedAt: justBefore }, at), now).toEqual([
        { index: 4, field: 'publishedAt', message },
      ]);
      expect(validateItem({ ...mention, receivedAt: cutoff }, 0, at).ok, now).toBe(true);
    }
    // The window is a setting: the message names the one in force.
    expect(
      errorsOf({ ...mention, receivedAt: '2026-02-28T12:00:00Z' }, { ...options, retentionMs: DAY_MS })[0]
        ?.message,
    ).toBe(
      'is older than the retention window of 1 day (before 2026-03-01T12:00:00.000Z); carestream keeps exact figures only inside it',
    );
  });

  describe.each(FIXED_INSTANTS)('the retention cut-off at $name ($at)', ({ at }) => {
    const nowMs = Date.parse(at);
    const cutoffMs = nowMs - DEFAULT_RETENTION_MS;
    const asked = { ...options, nowMs };

    it('accepts an event exactly at the cut-off and refuses one 1 ms before it', () => {
      for (const [item, field] of [
        [mention, 'receivedAt'],
        [reply, 'sentAt'],
        [brandPost, 'publishedAt'],
      ] as const) {
        const atCutoff = validateItem({ ...item, [field]: new Date(cutoffMs).toISOString() }, 0, asked);
        expect(atCutoff.ok, field).toBe(true);
        const before = errorsOf({ ...item, [field]: new Date(cutoffMs - 1).toISOString() }, asked);
        expect(before.map((error) => error.field)).toEqual([field]);
        expect(before[0]?.message).toMatch(/^is older than the retention window of 400 days/);
      }
    });

    it('accepts a brand profile set long before the window: it describes the brand, whatever its age', () => {
      const setAt = new Date(cutoffMs - 3 * 365 * DAY_MS).toISOString();
      const result = validateItem({ ...brandProfile, setAt }, 0, asked);
      expect(result.ok ? result.event : result.errors).toMatchObject({ setAt: Date.parse(setAt) });
    });
  });

  it('brand_profile rules', () => {
    const errors = errorsOf({
      ...brandProfile,
      industry: 'Consumer Goods',
      timezone: 'Mars/Olympus_Mons',
      slaTargetSeconds: 0,
      customerValue: -1,
      ownAccountIds: ['ok', ''],
    });
    expect(errors).toEqual([
      {
        index: 4,
        field: 'industry',
        message:
          'must be a lower-case slug of letters, digits and single hyphens, such as consumer-goods (got "Consumer Goods")',
      },
      {
        index: 4,
        field: 'timezone',
        message:
          'must be an IANA time zone name such as Europe/Paris or America/New_York (got "Mars/Olympus_Mons")',
      },
      { index: 4, field: 'slaTargetSeconds', message: 'must be between 1 and 31536000, got 0' },
      { index: 4, field: 'customerValue', message: 'must not be negative, got -1' },
      { index: 4, field: 'ownAccountIds[1]', message: 'must not be empty' },
    ]);
    expect(errorsOf({ ...brandProfile, slaTargetSeconds: 60.5 })[0]?.message).toBe(
      'must be a whole number, got 60.5',
    );
  });

  it('nested business hours errors name the range and the field', () => {
    const errors = errorsOf({
      ...brandProfile,
      businessHours: [
        { weekday: 1, open: '09:00', close: '17:00' },
        { weekday: 8, open: '9:00', close: '17:00' },
        { weekday: 2, open: '18:00', close: '09:00' },
        { weekday: 3, open: '09:00', close: '17:00', lunch: true },
        'monday',
        { weekday: 1, open: '16:00', close: '20:00' },
      ],
    });
    expect(errors).toEqual([
      { index: 4, field: 'businessHours[1].weekday', message: 'must be between 1 and 7, got 8' },
      {
        index: 4,
        field: 'businessHours[1].open',
        message: 'must be a local time HH:MM from 00:00 to 23:59 (got "9:00")',
      },
      { index: 4, field: 'businessHours[2].close', message: 'must be later than open (18:00); got 09:00' },
      {
        index: 4,
        field: 'businessHours[3].lunch',
        message: 'is not a known field of a business hours range; known fields: weekday, open, close',
      },
      {
        index: 4,
        field: 'businessHours[4]',
        message: 'must be an object {weekday, open, close}, got a string',
      },
    ]);
    expect(errorsOf({ ...brandProfile, businessHours: [] })[0]).toEqual({
      index: 4,
      field: 'businessHours',
      message: 'must list at least 1 item, or be null for a brand that keeps no business hours',
    });
    expect(
      errorsOf({
        ...brandProfile,
        businessHours: [
          { weekday: 1, open: '09:00', close: '17:00' },
          { weekday: 1, open: '16:00', close: '20:00' },
        ],
      }),
    ).toEqual([
      {
        index: 4,
        field: 'businessHours[1]',
        message: 'overlaps businessHours[0] (Monday 09:00-17:00); merge them into one range',
      },
    ]);
  });

  it('a batch reports every bad item by index and keeps the good ones in order', () => {
    const result = validateItems([mention, { ...reply, channel: 'fax' }, brandPost, 7], options);
    expect(result.events.map((e) => e.type)).toEqual(['MentionReceived', 'BrandPostPublished']);
    expect(result.indexes).toEqual([0, 2]);
    expect(result.errors).toEqual([
      {
        index: 1,
        field: 'channel',
        message: expect.stringMatching(/^must be one of: x, facebook/),
      },
      { index: 3, field: 'item', message: 'must be a JSON object with a "type" field, got an integer' },
    ]);
  });
});

describe('the TypeBox schemas and the checks agree', () => {
  // Every field the checks read is declared in the schema, and the schema's required list is what the
  // checks require: a field added to one and not the other fails here.
  const requiredByChecks = (type: keyof typeof INGEST_SCHEMAS): string[] =>
    errorsOf({ type })
      .filter((e) => e.message === 'is required')
      .map((e) => e.field);
  const samples = { mention, reply, brand_post: brandPost, brand_profile: brandProfile } as const;

  for (const type of Object.keys(INGEST_SCHEMAS) as (keyof typeof INGEST_SCHEMAS)[]) {
    it(`${type}: required fields`, () => {
      const schema = INGEST_SCHEMAS[type];
      expect(['type', ...requiredByChecks(type)].sort()).toEqual([...(schema.required ?? [])].sort());
    });

    it(`${type}: every declared property is accepted`, () => {
      const schema = INGEST_SCHEMAS[type];
      for (const key of Object.keys(schema.properties)) {
        const result = validateItem(
          { ...samples[type], [key]: (samples[type] as Record<string, unknown>)[key] ?? null },
          0,
          options,
        );
        expect(result.ok, key).toBe(true);
      }
      expect(schema.additionalProperties).toBe(false);
    });
  }
});

describe('ISO timestamps and durations', () => {
  it('parses the offset forms ISO 8601 allows', () => {
    const at = Date.UTC(2026, 2, 2, 9, 0);
    for (const text of [
      '2026-03-02T09:00:00Z',
      '2026-03-02T10:00:00+01:00',
      '2026-03-02T10:00+0100',
      '2026-03-02T04:00:00-05',
      '2026-03-02t09:00:00.000000z',
    ]) {
      expect(parseIsoTimestamp(text), text).toEqual({ ok: true, ms: at });
    }
    expect(parseIsoTimestamp('2026-03-02T09:00:00+24:00').ok).toBe(false);
  });

  it('describes durations for people', () => {
    expect(describeDuration(3 * 3_600_000)).toBe('3 hours');
    expect(describeDuration(5 * 60_000)).toBe('5 minutes');
    expect(describeDuration(90 * 60_000)).toBe('1.5 hours');
    expect(describeDuration(86_400_000)).toBe('1 day');
    expect(describeDuration(12)).toBe('12 ms');
  });
});
