import { describe, expect, it } from 'vitest';
import { databaseUnavailable, isDatabaseUnavailable } from './unavailable.ts';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable: PostgreSQL away, or refusing this statement', () => {
  it('given the errors of a server that is down, restarting or full, then it is unavailable', () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('ECONNRESET'),
      withCode('08006', 'connection failure'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is starting up'),
      withCode('53300', 'sorry, too many clients already'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
    ])
      expect(isDatabaseUnavailable(error), error.message).toBe(true);
  });

  it('given a statement PostgreSQL refuses, or something that is no error, then it is not', () => {
    for (const error of [
      withCode('23505', 'duplicate key value violates unique constraint'),
      withCode('22021', 'invalid byte sequence for encoding "UTF8": 0x00'),
      withCode('42P01', 'relation "api_keys" does not exist'),
      new TypeError('Cannot read properties of undefined'),
      'ECONNREFUSED',
    ])
      expect(isDatabaseUnavailable(error), String(error)).toBe(false);
  });

  it('wraps the cause in a retriable CARE_ERR_DATABASE_UNAVAILABLE naming what is unavailable', () => {
    const cause = withCode('ECONNREFUSED');
    expect(databaseUnavailable(cause, 'the API key store')).toMatchObject({
      code: 'CARE_ERR_DATABASE_UNAVAILABLE',
      retriable: true,
      cause,
      message: 'the API key store is unavailable; retry shortly',
    });
  });
});
