import { describe, expect, it } from 'vitest';
import { fromAvroRecord, toAvroRecord } from './avro-schemas.ts';
import type { BrandProfileSet, CareEvent, MentionReceived, ReplySent } from './events.ts';
import {
  BRAND_ID_PATTERN,
  brandIdProblem,
  compareIds,
  cleanText,
  eventIdProblem,
  idFieldsOf,
  idProblem,
  printableId,
} from './id-grammar.ts';
import { DEFAULT_RETENTION_MS, validateItem, type ValidateOptions } from './ingest-validation.ts';

const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);
const options: ValidateOptions = { nowMs: NOW, maxFutureSkewMs: 300_000, retentionMs: DEFAULT_RETENTION_MS };

/** Ids of the hostile corpus, each with why it is refused. */
const BAD_IDS: readonly (readonly [string, RegExp])[] = [
  ['', /^must not be empty$/],
  ['a\u0000b', /^contains U\+0000, a control character, at character 2;/],
  ['\u0000', /U\+0000, a control character/],
  ['a\u001Fb', /U\+001F, a control character/],
  ['a\u007Fb', /U\+007F, a control character/],
  ['a\u0085b', /U\+0085, a control character/],
  ['acme\u200B', /U\+200B, an invisible format character/],
  ['\u202Eemca', /U\+202E, an invisible format character/],
  ['a\uFEFFb', /U\+FEFF, an invisible format character/],
  ['a\uD800b', /U\+D800, a lone surrogate/],
  ['a\uDC00', /U\+DC00, a lone surrogate/],
  ['a\uE000b', /U\+E000, a private-use character/],
  ['a\uFFFFb', /U\+FFFF, an unassigned code point/],
  ['a\u2028b', /U\+2028, a line separator/],
  ['a\u2029b', /U\+2029, a paragraph separator/],
  // Default-ignorable code points outside Cf: letters and marks that render as nothing.
  ['a\u3164b', /^contains U\+3164, an invisible character \(such as a Hangul filler.*\), at character 2;/],
  ['\u115F', /^contains U\+115F, an invisible character/],
  ['a\u1160', /U\+1160, an invisible character/],
  ['a\uFFA0b', /U\+FFA0, an invisible character/],
  ['a\u034Fb', /^contains U\+034F, an invisible character/],
  ['a\u17B4b', /U\+17B4, an invisible character/],
  // Default-ignorable and also Cf or Cn: named by their category, as before.
  ['\u{1F44B}\u200D', /U\+200D, an invisible format character/],
  ['a\u{E0041}b', /U\+E0041, an invisible format character/],
  ['a\uFFF0b', /U\+FFF0, an unassigned code point/],
  [' ', /^must not begin or end with whitespace$/],
  ['   ', /^must not begin or end with whitespace$/],
  [' acme', /^must not begin or end with whitespace$/],
  ['acme\u00A0', /^must not begin or end with whitespace$/],
  ['\u3000x', /^must not begin or end with whitespace$/],
  ['cafe\u0301', /^is not in Unicode normalisation form C \(NFC\)/],
  ['x'.repeat(257), /^must be at most 256 characters, got 257$/],
  ['a\u007fb', /^contains U\+007F, a control character/],
  ['a\tb', /^contains U\+0009, a control character/],
  ['x'.repeat(10_240), /^must be at most 256 characters, got 10240$/],
];

describe('the id grammar', () => {
  it.each(BAD_IDS)('refuses %j: %s', (id, why) => {
    expect(idProblem(id)).toMatch(why);
    expect(brandIdProblem(id)).toMatch(why);
  });

  it.each([
    'evt-1',
    'x:tweet:1764000000000000001',
    'meta:comment:998877665544332_1122334455667788',
    'customer 9',
    'café',
    'Ωmega/ü?#%',
    '😀'.repeat(256),
    '고객-9 ᄀ',
    '\u2764\uFE0F', // a variation selector picks how the heart is drawn: taken before, taken still
    'a\u00A0b',
    '../x',
    'x'.repeat(256),
    '!~ with spaces inside ~!',
  ])('accepts %j as an id (printable, NFC, no edge whitespace)', (id) => {
    expect(idProblem(id)).toBeUndefined();
  });

  it.each(['acme', 'brand-0', 'b1', 'globex', 'no-such-brand', 'Acme_UK', 'acme.co.uk', '7eleven', 'a'])(
    'accepts the brand id %j',
    (id) => {
      expect(brandIdProblem(id)).toBeUndefined();
      expect(new RegExp(BRAND_ID_PATTERN).test(id)).toBe(true);
    },
  );

  it.each([
    ['../x', /^contains "\/" at character 3;/],
    ['a/b', /^contains "\/" at character 2;/],
    ['a%00b', /^contains "%" at character 2;/],
    ['a?b', /^contains "\?" at character 2;/],
    ['a#b', /^contains "#"/],
    ['a\\b', /^contains "\\"/],
    ['acme:uk', /^contains ":"/],
    ['a b', /^contains " "/],
    ['café', /^contains "é"/],
    ['..', /^must start with a letter or digit and have dots only singly/],
    ['.acme', /^must start with a letter or digit/],
    ['-acme', /^must start with a letter or digit/],
    ['acme..x', /dots only singly/],
    ['acme.', /dots only singly/],
  ])('refuses the brand id %j, which is an id but not a slug', (id, why) => {
    expect(brandIdProblem(id)).toMatch(why);
    expect(brandIdProblem(id)).toMatch(/a brand id is ASCII letters, digits, '-', '_' and single dots/);
    expect(new RegExp(BRAND_ID_PATTERN).test(id)).toBe(false);
  });

  it('quotes a hostile id without its hostile characters, and cuts it short', () => {
    expect(printableId('a\u0000b\u202Ec\uD800')).toBe('a\\u{0}b\\u{202E}c\\u{D800}');
    expect(printableId('a\u3164b\u115Fc\u034Fd\uFE0F')).toBe('a\\u{3164}b\\u{115F}c\\u{34F}d\uFE0F');
    expect(printableId('x'.repeat(10_000))).toBe(`${'x'.repeat(64)}…`);
  });
});

describe('free text: control characters removed, nothing else changed', () => {
  it('removes NUL, C0 (but tab, LF, CR), DEL and C1; turns lone surrogates into U+FFFD', () => {
    expect(cleanText('a\u0000b\u0007c\td\ne\rf\u001Bg\u007Fh\u0085i')).toBe('abc\td\ne\rfghi');
    expect(cleanText('bad \uD800 half \uDFFF')).toBe('bad \uFFFD half \uFFFD');
    expect(cleanText('é e\u0301 😀 \u200B \u202E')).toBe('é e\u0301 😀 \u200B \u202E');
  });
});

const mention: MentionReceived = {
  type: 'MentionReceived',
  eventId: 'm-1',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'c-1',
  messageId: 't-1',
  authorId: 'cust-9',
  receivedAt: NOW - 60_000,
  kind: 'complaint',
  needsResponse: true,
  sentiment: null,
  authorFollowers: null,
  private: false,
  text: 'where is my \u0000 parcel',
};
const reply: ReplySent = {
  type: 'ReplySent',
  eventId: 'r-1',
  brandId: 'acme',
  channel: 'x',
  conversationId: 'c-1',
  messageId: 't-2',
  inReplyTo: 't-1',
  agentId: 'agent-7',
  sentAt: NOW,
  automated: false,
  private: false,
};
const profile: BrandProfileSet = {
  type: 'BrandProfileSet',
  eventId: 'p-1',
  brandId: 'acme',
  name: 'Acme\u0000',
  industry: 'retail',
  timezone: 'Europe/Paris',
  businessHours: null,
  slaTargetSeconds: 3600,
  customerValue: null,
  ownAccountIds: ['acme_support', 'acme-help'],
  setAt: NOW,
};
const post: CareEvent = {
  type: 'BrandPostPublished',
  eventId: 'bp-1',
  brandId: 'acme',
  channel: 'x',
  postId: 'post-1',
  publishedAt: NOW,
};
const EVENTS: readonly CareEvent[] = [mention, reply, post, profile];

/** Each event with one id field replaced by `value`, for every id field of the grammar. */
function withEachIdReplaced(value: string): { event: CareEvent; field: string }[] {
  return EVENTS.flatMap((event) =>
    idFieldsOf(event).map(([field]) => {
      const array = /^(\w+)\[(\d+)\]$/.exec(field);
      if (array === null) return { event: { ...event, [field]: value }, field };
      const [, name = '', i = '0'] = array;
      const list = [...((event as unknown as Record<string, string[]>)[name] ?? [])];
      list[Number(i)] = value;
      return { event: { ...event, [name]: list }, field };
    }),
  );
}

describe('the same grammar at every entrance', () => {
  it('every id field of every event type is one the ingest API holds to the grammar', () => {
    // The ingest item of each event, its fields renamed back (type aside, ingest items use the same names).
    const itemOf = (event: CareEvent): Record<string, unknown> => {
      const iso = (ms: number) => new Date(ms).toISOString();
      switch (event.type) {
        case 'MentionReceived':
          return { ...event, type: 'mention', receivedAt: iso(event.receivedAt) };
        case 'ReplySent':
          return { ...event, type: 'reply', sentAt: iso(event.sentAt) };
        case 'BrandPostPublished':
          return { ...event, type: 'brand_post', publishedAt: iso(event.publishedAt) };
        case 'BrandProfileSet':
          return { ...event, type: 'brand_profile', setAt: iso(event.setAt) };
      }
    };
    for (const { event, field } of withEachIdReplaced('a\u0000b')) {
      const result = validateItem(itemOf(event), 0, options);
      expect(result.ok, field).toBe(false);
      if (!result.ok) expect(result.errors.map((e) => e.field)).toEqual([field]);
    }
  });

  it('a processor decoding a message produced straight to Kafka: CARE_ERR_DECODE naming the id, not applied', () => {
    for (const { event, field } of withEachIdReplaced('a\u0000b')) {
      let thrown: unknown;
      try {
        fromAvroRecord(event.type, toAvroRecord(event));
      } catch (error) {
        thrown = error;
      }
      expect(thrown, field).toMatchObject({ code: 'CARE_ERR_DECODE', retriable: false, field });
      expect((thrown as Error).message).toMatch(/U\+0000, a control character/);
    }
    for (const { event, field } of withEachIdReplaced('../x').filter((c) => c.field === 'brandId')) {
      expect(() => fromAvroRecord(event.type, toAvroRecord(event)), field).toThrow(/contains "\/"/);
    }
  });

  it('a processor decoding free text with NUL cleans it as ingest would (Postgres cannot store NUL)', () => {
    expect(fromAvroRecord('MentionReceived', toAvroRecord(mention))).toMatchObject({
      text: 'where is my  parcel',
    });
    expect(fromAvroRecord('BrandProfileSet', toAvroRecord(profile))).toMatchObject({ name: 'Acme' });
  });

  it('the ingest API cleans free text the same way', () => {
    const result = validateItem(
      {
        type: 'mention',
        eventId: 'm-1',
        brandId: 'acme',
        channel: 'x',
        conversationId: 'c-1',
        messageId: 't-1',
        authorId: 'cust-9',
        receivedAt: new Date(NOW).toISOString(),
        kind: 'complaint',
        text: 'a\u0000b\uD800',
      },
      0,
      options,
    );
    expect(result).toMatchObject({ ok: true, event: { text: 'ab\uFFFD' } });
    const nameOnlyNul = validateItem(
      {
        type: 'brand_profile',
        eventId: 'p',
        brandId: 'acme',
        name: '\u0000',
        industry: 'retail',
        timezone: 'UTC',
      },
      0,
      options,
    );
    expect(nameOnlyNul).toMatchObject({
      ok: false,
      errors: [{ field: 'name', message: 'must not be empty' }],
    });
  });

  it('eventIdProblem names the first bad id field', () => {
    expect(eventIdProblem(mention)).toBeUndefined();
    expect(eventIdProblem({ ...reply, inReplyTo: ' t-1' })).toEqual({
      field: 'inReplyTo',
      message: 'must not begin or end with whitespace',
    });
    expect(eventIdProblem({ ...profile, ownAccountIds: ['ok', 'no\u200B'] })).toMatchObject({
      field: 'ownAccountIds[1]',
    });
  });
});

describe('compareIds', () => {
  it('orders ids by code point, as PostgreSQL orders them under collate "C" (UTF-8 bytes)', () => {
    const ids = ['p-😀', 'p-ａ', 'p-a', 'p-', 'p-b', 'p-\uE000', 'p-\uFFFF', 'p-𝔸', 'p-é'];
    const byCodePoint = [...ids].sort(compareIds);
    const byUtf8 = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(byCodePoint).toEqual(byUtf8);
    expect(byCodePoint).toEqual(['p-', 'p-a', 'p-b', 'p-é', 'p-\uE000', 'p-ａ', 'p-\uFFFF', 'p-𝔸', 'p-😀']);
    expect(compareIds('same', 'same')).toBe(0);
  });
});
