import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, readEntries, readLines, type SourceEntry } from './file-source.ts';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('reading the input file', () => {
  let directory: string;
  const file = (name: string) => join(directory, name);
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cs-source-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('gives each line with the exact byte after it, CRLF, multi-byte text and a last line without newline', async () => {
    const text = '\uFEFFfirst\r\nsecond é\n\nlast';
    await writeFile(file('lines.txt'), text);
    const lines = await collect(readLines(file('lines.txt'), { bytes: 0, lines: 0 }));
    expect(lines).toEqual([
      { text: 'first', line: 1, endByte: 10 },
      { text: 'second é', line: 2, endByte: 20 },
      { text: '', line: 3, endByte: 21 },
      { text: 'last', line: 4, endByte: 25 },
    ]);
    expect(Buffer.byteLength(text)).toBe(25);
    // From a checkpoint: the same lines, numbered as before.
    expect(await collect(readLines(file('lines.txt'), { bytes: 20, lines: 2 }))).toEqual(lines.slice(2));
  });

  it('rejects a line past MAX_LINE_BYTES with its head and length, holding no more of it, and goes on', async () => {
    const long = `{"type":"mention","text":"${'x'.repeat(3 * MAX_LINE_BYTES)}"}`;
    const text = `{"type":"mention"}\n${long}\n{"type":"reply"}\n${long}`;
    await writeFile(file('long.ndjson'), text);
    const entries = await collect(readEntries(file('long.ndjson'), 'ndjson', { bytes: 0, lines: 0 }));
    expect(entries.map((entry) => [entry.kind, entry.line, entry.endByte])).toEqual([
      ['item', 1, 19],
      ['reject', 2, 19 + long.length + 1],
      ['item', 3, 19 + long.length + 1 + 17],
      ['reject', 4, Buffer.byteLength(text)],
    ]);
    const rejected = entries[1] as Extract<SourceEntry, { kind: 'reject' }>;
    expect(rejected.raw).toBe(`${long.slice(0, 200)}…`);
    expect(rejected.reasons).toEqual([
      {
        field: 'item',
        message: `is ${long.length} bytes long; a line may hold at most ${MAX_LINE_BYTES} (one event): put one event on each line`,
      },
    ]);
  });

  it('sends NDJSON lines as they are, skips blank lines and rejects a line that is not JSON', async () => {
    await writeFile(file('events.ndjson'), '{"type":"mention"}\n\n{"type": \n  \n{"type":"reply"}\n');
    const entries = await collect(readEntries(file('events.ndjson'), 'ndjson', { bytes: 0, lines: 0 }));
    expect(entries).toEqual([
      {
        kind: 'item',
        line: 1,
        endLine: 1,
        endByte: 19,
        json: '{"type":"mention"}',
        raw: '{"type":"mention"}',
      },
      {
        kind: 'reject',
        line: 3,
        endLine: 3,
        endByte: 30,
        raw: '{"type": ',
        reasons: [{ field: 'item', message: expect.stringMatching(/^is not valid JSON/) }],
      },
      { kind: 'item', line: 5, endLine: 5, endByte: 50, json: '{"type":"reply"}', raw: '{"type":"reply"}' },
    ]);
  });

  const csv = [
    'type,eventId,sentiment,text',
    'mention,m1,0.5,hello',
    'mention,m2,,"two',
    'lines"',
    '',
    'mention,m3,bad,x',
    'mention,m4',
    'mention,m5,-1,"say ""hi"""',
    'mention,m6,0,"never closed',
    'mention,m7,0,swallowed by the open quote',
  ].join('\r\n');

  it('reads CSV records with the line each starts on, converting cells and rejecting bad rows', async () => {
    await writeFile(file('events.csv'), csv);
    const entries = await collect(readEntries(file('events.csv'), 'csv', { bytes: 0, lines: 0 }));
    const summary = entries.map((entry: SourceEntry) =>
      entry.kind === 'item'
        ? { line: entry.line, item: JSON.parse(entry.json) }
        : { line: entry.line, reject: entry.reasons[0]?.field ?? '', message: entry.reasons[0]?.message },
    );
    expect(summary).toEqual([
      { line: 2, item: { type: 'mention', eventId: 'm1', sentiment: 0.5, text: 'hello' } },
      { line: 3, item: { type: 'mention', eventId: 'm2', text: 'two\r\nlines' } },
      { line: 6, reject: 'sentiment', message: 'must be a decimal number, got "bad"' },
      { line: 7, reject: 'item', message: 'has 2 cells; the header has 4' },
      { line: 8, item: { type: 'mention', eventId: 'm5', sentiment: -1, text: 'say "hi"' } },
      {
        line: 9,
        reject: 'item',
        message: expect.stringMatching(/could not be read as CSV: Quote Not Closed/),
      },
    ]);
    const m2 = entries[1];
    expect(m2).toMatchObject({ line: 3, endLine: 4 });
  });

  it('resumes CSV after a record, numbering lines as a whole read does', async () => {
    await writeFile(file('resume.csv'), csv);
    const whole = await collect(readEntries(file('resume.csv'), 'csv', { bytes: 0, lines: 0 }));
    const second = whole[1];
    if (!second) throw new Error('no second record');
    const rest = await collect(
      readEntries(file('resume.csv'), 'csv', { bytes: second.endByte, lines: second.endLine }),
    );
    expect(rest.map((entry) => entry.line)).toEqual(whole.slice(2).map((entry) => entry.line));
    expect(rest[0]).toEqual(whole[2]);
  });

  it('numbers a last CSV record without a line break, after multi-line and blank lines', async () => {
    await writeFile(file('last.csv'), 'type,text\n\nmention,"a\nb"\n\nmention,c');
    const entries = await collect(readEntries(file('last.csv'), 'csv', { bytes: 0, lines: 0 }));
    expect(entries.map(({ line, endLine }) => [line, endLine])).toEqual([
      [3, 4],
      [6, 6],
    ]);
  });

  it('refuses a CSV file without a type column', async () => {
    await writeFile(file('no-type.csv'), 'eventId,brandId\nm1,acme\n');
    await expect(collect(readEntries(file('no-type.csv'), 'csv', { bytes: 0, lines: 0 }))).rejects.toThrow(
      /no "type" column/,
    );
  });
});
