import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { csvColumns, quoteField, toCsv } from './csv.ts';
import { wantsCsv } from './negotiation.ts';
import { AgentItemSchema, SlaAnswerSchema } from './schemas.ts';

describe('CSV', () => {
  it('quotes per RFC 4180', () => {
    expect(quoteField('plain')).toBe('plain');
    expect(quoteField('a,b')).toBe('"a,b"');
    expect(quoteField('say "hi"')).toBe('"say ""hi"""');
    expect(quoteField('two\nlines')).toBe('"two\nlines"');
    expect(quoteField('cr\r')).toBe('"cr\r"');
  });

  it('takes dotted columns from the response schema, nullable objects included', () => {
    expect(csvColumns(AgentItemSchema)).toEqual([
      'agentId',
      'answered',
      'humanReplies',
      'responseTimeSeconds.mean',
      'responseTimeSeconds.p50',
      'responseTimeSeconds.p90',
    ]);
    const sla = csvColumns(SlaAnswerSchema);
    expect(sla).toContain('withinTarget.30m');
    expect(sla).toContain('businessHours.withinTarget.24h');
    expect(sla).toContain('previous.responseTimeSeconds.p99');
  });

  it('writes a header row, CRLF lines, empty cells for null, joined or JSON arrays', () => {
    const schema = Type.Object({
      id: Type.String(),
      nested: Type.Union([Type.Object({ a: Type.Number() }), Type.Null()]),
      tags: Type.Array(Type.String()),
      reasons: Type.Array(Type.Object({ x: Type.Number() })),
      ok: Type.Boolean(),
    });
    const csv = toCsv(
      [
        { id: 'a,1', nested: { a: 1.5 }, tags: ['x', 'y'], reasons: [{ x: 1 }], ok: true },
        { id: 'b', nested: null, tags: [], reasons: [], ok: false },
      ],
      csvColumns(schema),
    );
    expect(csv).toBe('id,nested.a,tags,reasons,ok\r\n"a,1",1.5,x; y,"[{""x"":1}]",true\r\nb,,,,false\r\n');
  });

  it('neutralises text a spreadsheet would run as a formula, and leaves numbers alone', () => {
    const csv = toCsv(
      [{ authorId: '=HYPERLINK("http://evil.example")', reasons: ['+1', 'ok'], score: -0.5, name: '@x' }],
      ['authorId', 'reasons', 'score', 'name'],
    );
    expect(csv.split('\r\n')[1]).toBe(`"'=HYPERLINK(""http://evil.example"")",'+1; ok,-0.5,'@x`);
  });

  it('writes only the header for an empty list', () => {
    expect(toCsv([], ['a', 'b.c'])).toBe('a,b.c\r\n');
  });
});

describe('content negotiation', () => {
  it('answers CSV only when the caller prefers it', () => {
    expect(wantsCsv(undefined)).toBe(false);
    expect(wantsCsv('*/*')).toBe(false);
    expect(wantsCsv('application/json')).toBe(false);
    expect(wantsCsv('text/html,application/xhtml+xml,*/*;q=0.8')).toBe(false);
    expect(wantsCsv('text/csv')).toBe(true);
    expect(wantsCsv('Text/CSV; charset=utf-8')).toBe(true);
    expect(wantsCsv('text/csv, application/json')).toBe(true);
    expect(wantsCsv('application/json;q=0.9, text/csv;q=0.5')).toBe(false);
    expect(wantsCsv('text/csv;q=0')).toBe(false);
  });
});
