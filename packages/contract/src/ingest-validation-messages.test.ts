// A sample of the per-item errors of POST /v1/events, pinned word for word: what a caller reads when an item is
// wrong must not get less helpful when the validator is rebuilt. Each case is one bad item; the list is every
// error it gets, in order, as [field, message].
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION_MS, validateItem } from './ingest-validation.ts';

const options = {
  nowMs: Date.UTC(2026, 2, 2, 12),
  maxFutureSkewMs: 300_000,
  retentionMs: DEFAULT_RETENTION_MS,
};

const mention = {
  type: 'mention',
  eventId: 'e-1',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'c-1',
  messageId: 'm-1',
  authorId: 'a-1',
  receivedAt: '2026-03-02T11:00:00Z',
  kind: 'question',
};
const reply = {
  type: 'reply',
  eventId: 'e-2',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'c-1',
  messageId: 'm-2',
  agentId: 'agent-1',
  sentAt: '2026-03-02T11:30:00Z',
};
const post = {
  type: 'brand_post',
  eventId: 'e-3',
  brandId: 'acme',
  channel: 'facebook',
  postId: 'p-1',
  publishedAt: '2026-03-02T10:00:00Z',
};
const profile = {
  type: 'brand_profile',
  eventId: 'e-4',
  brandId: 'acme',
  name: 'Acme',
  industry: 'retail',
  timezone: 'Europe/Paris',
};
const CASES: [string, unknown][] = [
  ['not an object', 'hello'],
  ['an array', [1]],
  ['no type', { eventId: 'e' }],
  ['unknown type', { ...mention, type: 'tweet' }],
  ['type not a string', { ...mention, type: 3 }],
  ['empty mention', { type: 'mention' }],
  ['unknown field', { ...mention, colour: 'red' }],
  ['unknown fields', { ...mention, colour: 'red', size: 'L' }],
  [
    'many unknown fields',
    {
      ...mention,
      eventId: 5,
      ...Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 0])),
    },
  ],
  ['numbers past the safe integers', { ...mention, authorFollowers: 9_007_199_254_740_992 }],
  ['a long stray key', { ...mention, ['k'.repeat(10_000)]: 1 }],
  [
    'wrong kinds',
    {
      ...mention,
      eventId: 5,
      channel: 'myspace',
      kind: 'rant',
      needsResponse: 'yes',
      sentiment: 2,
      authorFollowers: -1,
      private: 1,
      text: 7,
    },
  ],
  ['float followers and NaN-ish', { ...mention, authorFollowers: 1.5, sentiment: 'x' }],
  ['long text', { ...mention, text: 'x'.repeat(10_001) }],
  ['bad ids', { ...mention, eventId: '', conversationId: ' c', brandId: 'a:b', authorId: 'x'.repeat(257) }],
  ['timestamps', { ...mention, receivedAt: '2026-02-30T10:00:00Z' }],
  ['timestamp no zone', { ...mention, receivedAt: '2026-03-02T10:00:00' }],
  ['timestamp number', { ...mention, receivedAt: 1772445600000 }],
  ['future', { ...mention, receivedAt: '2026-03-02T13:00:00Z' }],
  ['too old', { ...mention, receivedAt: '2020-01-01T00:00:00Z' }],
  ['reply', { ...reply, inReplyTo: '', automated: 'no', sentAt: null }],
  ['post', { ...post, postId: null, publishedAt: '' }],
  [
    'profile basics',
    {
      ...profile,
      name: '',
      industry: 'Consumer Goods',
      timezone: 'Mars/Olympus',
      slaTargetSeconds: 0,
      customerValue: -5,
    },
  ],
  ['profile offset zone', { ...profile, timezone: '+01:00', slaTargetSeconds: 1.5 }],
  ['profile huge numbers', { ...profile, slaTargetSeconds: 2_147_483_648, customerValue: 1e20 }],
  ['business hours empty', { ...profile, businessHours: [] }],
  ['business hours not array', { ...profile, businessHours: 'weekdays' }],
  [
    'business hours ranges',
    {
      ...profile,
      businessHours: [
        { weekday: 8, open: '9:00', close: '25:00' },
        { weekday: 1, open: '18:00', close: '09:00' },
        'x',
        { weekday: 1, open: '09:00', close: '17:00', tz: 'x' },
      ],
    },
  ],
  [
    'business hours overlap',
    {
      ...profile,
      businessHours: [
        { weekday: 2, open: '09:00', close: '17:00' },
        { weekday: 2, open: '16:00', close: '24:00' },
      ],
    },
  ],
  ['own accounts', { ...profile, ownAccountIds: ['ok', 3, ' bad'] }],
  ['own accounts not array', { ...profile, ownAccountIds: 'ok' }],
  ['setAt future', { ...profile, setAt: '2027-01-01T00:00:00Z' }],
];

const EXPECTED: Record<string, [field: string, message: string][]> = {
  'not an object': [['item', 'must be a JSON object with a "type" field, got a string']],
  'an array': [['item', 'must be a JSON object with a "type" field, got an array']],
  'no type': [['type', 'is required']],
  'unknown type': [['type', 'must be one of: mention, reply, brand_post, brand_profile (got "tweet")']],
  'type not a string': [
    ['type', 'must be one of: mention, reply, brand_post, brand_profile (got an integer)'],
  ],
  'empty mention': [
    ['eventId', 'is required'],
    ['brandId', 'is required'],
    ['channel', 'is required'],
    ['conversationId', 'is required'],
    ['messageId', 'is required'],
    ['authorId', 'is required'],
    ['receivedAt', 'is required'],
    ['kind', 'is required'],
  ],
  'unknown field': [
    [
      'colour',
      'is not a known field of a mention; known fields: type, eventId, brandId, channel, conversationId, messageId, authorId, receivedAt, kind, needsResponse, sentiment, authorFollowers, private, text',
    ],
  ],
  'unknown fields': [
    [
      'colour',
      'is not a known field of a mention; known fields: type, eventId, brandId, channel, conversationId, messageId, authorId, receivedAt, kind, needsResponse, sentiment, authorFollowers, private, text',
    ],
    ['size', 'is not a known field of a mention either'],
  ],
  // Ten errors listed (the stray keys come first), and one that counts the rest: the eventId's among them.
  'many unknown fields': [
    [
      'k0',
      'is not a known field of a mention; known fields: type, eventId, brandId, channel, conversationId, messageId, authorId, receivedAt, kind, needsResponse, sentiment, authorFollowers, private, text',
    ],
    ...Array.from({ length: 9 }, (_, i): [string, string] => [
      `k${i + 1}`,
      'is not a known field of a mention either',
    ]),
    ['item', 'has 99991 more errors besides the 10 listed'],
  ],
  'a long stray key': [
    [
      `${'k'.repeat(64)}…`,
      'is not a known field of a mention; known fields: type, eventId, brandId, channel, conversationId, messageId, authorId, receivedAt, kind, needsResponse, sentiment, authorFollowers, private, text',
    ],
  ],
  'numbers past the safe integers': [
    ['authorFollowers', 'must be at most 9007199254740991, got 9007199254740992'],
  ],
  'wrong kinds': [
    ['eventId', 'must be a string, got an integer'],
    [
      'channel',
      'must be one of: x, facebook, instagram, tiktok, youtube, linkedin, email, other (got "myspace")',
    ],
    ['kind', 'must be one of: question, complaint, praise, other (got "rant")'],
    ['needsResponse', 'must be true or false, got a string'],
    ['sentiment', 'must be between -1 and 1, got 2'],
    ['authorFollowers', 'must not be negative, got -1'],
    ['private', 'must be true or false, got an integer'],
    ['text', 'must be a string, got an integer'],
  ],
  'float followers and NaN-ish': [
    ['sentiment', 'must be a number, got a string'],
    ['authorFollowers', 'must be a whole number, got 1.5'],
  ],
  'long text': [['text', 'must be at most 10000 characters, got 10001']],
  'bad ids': [
    ['eventId', 'must not be empty'],
    [
      'brandId',
      "contains \":\" at character 2; a brand id is ASCII letters, digits, '-', '_' and single dots, starting with a letter or digit, e.g. acme or brand-7 (it goes in URL paths and, before ':', in conversation keys)",
    ],
    ['conversationId', 'must not begin or end with whitespace'],
    ['authorId', 'must be at most 256 characters, got 257'],
  ],
  timestamps: [
    ['receivedAt', 'is not a calendar date: February 2026 has 28 days (got "2026-02-30T10:00:00Z")'],
  ],
  'timestamp no zone': [
    [
      'receivedAt',
      'has no time zone offset; add Z for UTC or an offset such as +01:00 (e.g. 2026-03-01T09:30:00Z or 2026-03-01T10:30:00+01:00) (got "2026-03-02T10:00:00")',
    ],
  ],
  'timestamp number': [
    ['receivedAt', 'must be an ISO 8601 date-time string such as 2026-03-01T09:30:00Z, got an integer'],
  ],
  future: [['receivedAt', 'is 1 hour in the future; at most 5 minutes of clock skew is allowed']],
  'too old': [
    [
      'receivedAt',
      'is older than the retention window of 400 days (before 2025-01-26T12:00:00.000Z); carestream keeps exact figures only inside it',
    ],
  ],
  reply: [
    ['inReplyTo', 'must not be empty'],
    ['sentAt', 'must be an ISO 8601 date-time string such as 2026-03-01T09:30:00Z, got null'],
    ['automated', 'must be true or false, got a string'],
  ],
  post: [
    ['postId', 'must be a string, got null'],
    [
      'publishedAt',
      'must be an ISO 8601 date-time with an offset, e.g. 2026-03-01T09:30:00Z or 2026-03-01T10:30:00+01:00 (got "")',
    ],
  ],
  'profile basics': [
    ['name', 'must not be empty'],
    [
      'industry',
      'must be a lower-case slug of letters, digits and single hyphens, such as consumer-goods (got "Consumer Goods")',
    ],
    [
      'timezone',
      'must be an IANA time zone name such as Europe/Paris or America/New_York (got "Mars/Olympus")',
    ],
    ['slaTargetSeconds', 'must be between 1 and 31536000, got 0'],
    ['customerValue', 'must not be negative, got -5'],
  ],
  'profile offset zone': [
    ['timezone', 'must be an IANA time zone name such as Europe/Paris or America/New_York (got "+01:00")'],
    ['slaTargetSeconds', 'must be a whole number, got 1.5'],
  ],
  'profile huge numbers': [
    ['slaTargetSeconds', 'must be between 1 and 31536000, got 2147483648'],
    ['customerValue', 'must be at most 9007199254740991, got 100000000000000000000'],
  ],
  'business hours empty': [
    ['businessHours', 'must list at least 1 item, or be null for a brand that keeps no business hours'],
  ],
  'business hours not array': [['businessHours', 'must be an array, got a string']],
  'business hours ranges': [
    ['businessHours[0].weekday', 'must be between 1 and 7, got 8'],
    ['businessHours[0].open', 'must be a local time HH:MM from 00:00 to 23:59 (got "9:00")'],
    ['businessHours[0].close', 'must be a local time HH:MM from 00:00 to 24:00 (got "25:00")'],
    ['businessHours[1].close', 'must be later than open (18:00); got 09:00'],
    ['businessHours[2]', 'must be an object {weekday, open, close}, got a string'],
    [
      'businessHours[3].tz',
      'is not a known field of a business hours range; known fields: weekday, open, close',
    ],
  ],
  'business hours overlap': [
    ['businessHours[1]', 'overlaps businessHours[0] (Tuesday 09:00-17:00); merge them into one range'],
  ],
  'own accounts': [
    ['ownAccountIds[1]', 'must be a string, got an integer'],
    ['ownAccountIds[2]', 'must not begin or end with whitespace'],
  ],
  'own accounts not array': [['ownAccountIds', 'must be an array, got a string']],
  'setAt future': [['setAt', 'is 305 days in the future; at most 5 minutes of clock skew is allowed']],
};

describe('ingest validation messages (pinned)', () => {
  it.each(CASES)('%s', (name, item) => {
    const result = validateItem(item, 0, options);
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors.map((error) => [error.field, error.message]);
    expect(errors).toEqual(EXPECTED[name]);
  });
});
