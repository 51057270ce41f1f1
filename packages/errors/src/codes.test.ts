import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CARE_ERROR_CODES,
  CareError,
  codeForClientStatus,
  httpStatusOf,
  isNetworkFault,
  isRetriable,
} from './index.ts';

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

describe('isNetworkFault: the one test of a server down or a connection dropped', () => {
  const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });
  it("Node's socket codes, on the error or its cause, and fetch's and http's words for them", () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('ENOTFOUND'),
      new TypeError('fetch failed', { cause: withCode('ECONNRESET') }),
      new Error('connect ETIMEDOUT 10.0.0.1:8085'),
      new Error('socket hang up'),
    ])
      expect(isNetworkFault(error), error.message).toBe(true);
  });
  it('not an answer, not a look-alike word, not a string', () => {
    for (const error of [
      withCode('23505', 'duplicate key value violates unique constraint'),
      new Error('Schema being registered is incompatible with an earlier schema'),
      new Error('XECONNREFUSEDX'),
      'ECONNREFUSED',
    ])
      expect(isNetworkFault(error), String(error)).toBe(false);
  });
});
