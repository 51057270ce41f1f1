import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CARE_ERROR_CODES, CareError, codeForClientStatus, httpStatusOf, isRetriable } from './index.ts';

const operations = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');

/** The rows of docs/operations.md's "Error codes" table: code, status, meaning. */
function documentedCodes(): { code: string; status: number; meaning: string }[] {
  const section = operations.split('## Error codes')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `(CARE_ERR_[A-Z_]+)` +\| (\d{3}) +\| (.+?) +\|$/gm)].map((row) => ({
    code: row[1] ?? '',
    status: Number(row[2]),
    meaning: row[3] ?? '',
  }));
}

describe('the one list of error codes', () => {
  it('docs/operations.md lists every code, with its status and meaning, and no other', () => {
    const fromCode = Object.entries(CARE_ERROR_CODES).map(([code, { status, meaning }]) => ({
      code,
      status,
      meaning,
    }));
    expect(documentedCodes()).toEqual(fromCode);
  });

  it('a framework 4xx gets the code of its status', () => {
    expect(codeForClientStatus(415)).toBe('CARE_ERR_UNSUPPORTED_MEDIA_TYPE');
    expect(codeForClientStatus(413)).toBe('CARE_ERR_PAYLOAD_TOO_LARGE');
    expect(codeForClientStatus(404)).toBe('CARE_ERR_NOT_FOUND');
    expect(codeForClientStatus(400)).toBe('CARE_ERR_VALIDATION');
    expect(codeForClientStatus(418)).toBe('CARE_ERR_VALIDATION');
    expect(httpStatusOf('CARE_ERR_FORBIDDEN')).toBe(403);
  });
});

describe('isRetriable: the one reading of an error that says it is transient', () => {
  it('a CareError by its flag, a client library error marked retriable, nothing else', () => {
    expect(isRetriable(new CareError('CARE_ERR_KAFKA_UNAVAILABLE', 'down', { retriable: true }))).toBe(true);
    expect(isRetriable(new CareError('CARE_ERR_DECODE', 'not Avro'))).toBe(false);
    expect(isRetriable(Object.assign(new Error('leader not available'), { retriable: true }))).toBe(true);
    expect(isRetriable(Object.assign(new Error('bad request'), { retriable: false }))).toBe(false);
    expect(isRetriable({ retriable: true })).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
  });
});
