import { describe, expect, it } from 'vitest';
import { cellKind, checkCsvHeader, csvRowToItem } from './csv-item.ts';

describe('CSV row → ingest item', () => {
  const columns = [
    'type',
    'eventId',
    'brandId',
    'sentiment',
    'authorFollowers',
    'needsResponse',
    'private',
    'text',
  ];

  it('leaves empty cells out and converts numbers and booleans by the field', () => {
    const result = csvRowToItem(columns, ['mention', 'm1', 'acme', '-0.5', '1200', 'TRUE', 'no', '']);
    expect(result).toEqual({
      ok: true,
      item: {
        type: 'mention',
        eventId: 'm1',
        brandId: 'acme',
        sentiment: -0.5,
        authorFollowers: 1200,
        needsResponse: true,
        private: false,
      },
    });
  });

  it('keeps text as it is, spaces and all, and trims the type', () => {
    const result = csvRowToItem(['type', 'text'], [' mention ', '  hello, "world"  ']);
    expect(result).toEqual({ ok: true, item: { type: 'mention', text: '  hello, "world"  ' } });
  });

  it('knows the kind of every typed field from the contract', () => {
    expect(cellKind('mention', 'sentiment')).toBe('number');
    expect(cellKind('mention', 'authorFollowers')).toBe('number');
    expect(cellKind('mention', 'needsResponse')).toBe('boolean');
    expect(cellKind('mention', 'private')).toBe('boolean');
    expect(cellKind('reply', 'automated')).toBe('boolean');
    expect(cellKind('reply', 'private')).toBe('boolean');
    expect(cellKind('brand_profile', 'slaTargetSeconds')).toBe('number');
    expect(cellKind('brand_profile', 'customerValue')).toBe('number');
    expect(cellKind('brand_profile', 'businessHours')).toBe('json');
    expect(cellKind('brand_profile', 'ownAccountIds')).toBe('json');
    expect(cellKind('mention', 'receivedAt')).toBe('string');
    expect(cellKind('mention', 'colour')).toBe('string');
    expect(cellKind('tweet', 'sentiment')).toBe('string');
  });

  it('parses JSON cells of a brand profile', () => {
    const result = csvRowToItem(
      ['type', 'businessHours', 'ownAccountIds', 'slaTargetSeconds'],
      ['brand_profile', '[{"weekday":1,"open":"09:00","close":"17:00"}]', '["2244994945"]', '1800'],
    );
    expect(result).toEqual({
      ok: true,
      item: {
        type: 'brand_profile',
        businessHours: [{ weekday: 1, open: '09:00', close: '17:00' }],
        ownAccountIds: ['2244994945'],
        slaTargetSeconds: 1800,
      },
    });
  });

  it('names every cell that cannot be converted', () => {
    const result = csvRowToItem(
      ['type', 'sentiment', 'private', 'authorFollowers'],
      ['mention', 'very bad', 'maybe', '12'],
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: 'sentiment', message: 'must be a decimal number, got "very bad"' },
        { field: 'private', message: 'must be true or false, got "maybe"' },
      ],
    });
    const json = csvRowToItem(['type', 'businessHours'], ['brand_profile', '[{weekday:1}]']);
    expect(json.ok).toBe(false);
    if (!json.ok) expect(json.errors[0]).toMatchObject({ field: 'businessHours', message: /must be JSON/ });
  });

  it('reads numbers in decimal only', () => {
    const followers = (cell: string) => csvRowToItem(['type', 'authorFollowers'], ['mention', cell]);
    for (const [cell, value] of [
      ['12', 12],
      [' -0.5 ', -0.5],
      ['1e3', 1000],
      ['.5', 0.5],
      ['+7', 7],
    ] as const)
      expect(followers(cell)).toEqual({ ok: true, item: { type: 'mention', authorFollowers: value } });
    for (const cell of ['0x1F', '0b11', '0o17', 'Infinity', '1_000', '1.2.3'])
      expect(followers(cell)).toEqual({
        ok: false,
        errors: [{ field: 'authorFollowers', message: `must be a decimal number, got "${cell}"` }],
      });
  });

  it('passes unknown types and columns through as text, for ingest to name', () => {
    expect(csvRowToItem(['type', 'sentiment', 'colour'], ['tweet', '0.5', 'blue'])).toEqual({
      ok: true,
      item: { type: 'tweet', sentiment: '0.5', colour: 'blue' },
    });
  });

  it('rejects a row whose cells do not match the header', () => {
    expect(csvRowToItem(['type', 'eventId'], ['mention'])).toEqual({
      ok: false,
      errors: [{ field: 'item', message: 'has 1 cells; the header has 2' }],
    });
  });

  it('checks the header: a type column, names neither empty nor repeated', () => {
    expect(checkCsvHeader([' type', 'eventId '])).toEqual({ columns: ['type', 'eventId'] });
    expect(checkCsvHeader(['eventId'])).toMatchObject({ error: expect.stringMatching(/no "type" column/) });
    expect(checkCsvHeader(['type', ''])).toMatchObject({ error: expect.stringMatching(/column 2/) });
    expect(checkCsvHeader(['type', 'text', 'text'])).toMatchObject({ error: expect.stringMatching(/twice/) });
  });
});
