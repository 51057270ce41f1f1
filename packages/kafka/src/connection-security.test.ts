import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CareError } from '@carestream/errors';
import { describe, expect, it } from 'vitest';
import { loadKafkaSecurity, loadRegistryAuth } from './connection-security.ts';

const dir = mkdtempSync(join(tmpdir(), 'connection-security-'));
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, PEM);
const notPem = join(dir, 'ca.der');
writeFileSync(notPem, 'binary, not PEM');

const SASL = {
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
  KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
  KAFKA_SASL_USERNAME: 'carestream',
  KAFKA_SASL_PASSWORD: 'pa55-word',
};

/** The CARE_ERR_CONFIG thrown by `load`: its field and message. */
function configError(load: () => unknown): { field: unknown; message: string } {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(CareError);
    expect((error as CareError).code).toBe('CARE_ERR_CONFIG');
    return { field: (error as CareError).field, message: (error as Error).message };
  }
  throw new Error('no error thrown');
}

describe('Kafka connection security from the environment', () => {
  it('given nothing, when read, then the connection is PLAINTEXT without TLS or SASL', () => {
    expect(loadKafkaSecurity({})).toEqual({ protocol: 'PLAINTEXT' });
  });

  it('given SASL_SSL with SCRAM-SHA-512 and a CA file, when read, then kafkajs gets TLS with that CA and the credentials', () => {
    expect(loadKafkaSecurity({ ...SASL, KAFKA_SSL_CA_FILE: caFile })).toEqual({
      protocol: 'SASL_SSL',
      tls: { ca: PEM },
      sasl: { mechanism: 'scram-sha-512', username: 'carestream', password: 'pa55-word' },
    });
  });

  it.each([
    ['PLAIN', 'plain'],
    ['scram-sha-256', 'scram-sha-256'],
  ])('given the mechanism %s, when read, then kafkajs gets %s', (given, expected) => {
    expect(loadKafkaSecurity({ ...SASL, KAFKA_SASL_MECHANISM: given }).sasl?.mechanism).toBe(expected);
  });

  it('given SSL with a client certificate and key, when read, then TLS has both and there is no SASL', () => {
    const security = loadKafkaSecurity({
      KAFKA_SECURITY_PROTOCOL: 'ssl',
      KAFKA_SSL_CERT_FILE: caFile,
      KAFKA_SSL_KEY_FILE: caFile,
    });
    expect(security).toEqual({ protocol: 'SSL', tls: { cert: PEM, key: PEM } });
  });

  it('given SASL_SSL without a CA file, when read, then TLS trusts the system CAs (an empty TLS options object)', () => {
    expect(loadKafkaSecurity(SASL).tls).toEqual({});
  });

  it.each([
    [{ KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'KAFKA_SECURITY_PROTOCOL', /PLAINTEXT, SSL, SASL_SSL, got "TLS"/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' }, 'KAFKA_SECURITY_PROTOCOL', /unencrypted; use SASL_SSL/],
    [{ ...SASL, KAFKA_SASL_MECHANISM: '' }, 'KAFKA_SASL_MECHANISM', /required when .* SASL_SSL/],
    [
      { ...SASL, KAFKA_SASL_MECHANISM: 'GSSAPI' },
      'KAFKA_SASL_MECHANISM',
      /PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, got "GSSAPI"/,
    ],
    [{ ...SASL, KAFKA_SASL_USERNAME: undefined }, 'KAFKA_SASL_USERNAME', /required/],
    [{ ...SASL, KAFKA_SASL_PASSWORD: '' }, 'KAFKA_SASL_PASSWORD', /required/],
    [
      { KAFKA_SASL_USERNAME: 'carestream' },
      'KAFKA_SECURITY_PROTOCOL',
      /KAFKA_SASL_USERNAME is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT: set KAFKA_SECURITY_PROTOCOL=SASL_SSL/,
    ],
    [
      { KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SASL_PASSWORD: 'x' },
      'KAFKA_SECURITY_PROTOCOL',
      /KAFKA_SASL_PASSWORD is set but KAFKA_SECURITY_PROTOCOL is SSL/,
    ],
    [
      { KAFKA_SSL_CA_FILE: caFile },
      'KAFKA_SECURITY_PROTOCOL',
      /KAFKA_SSL_CA_FILE is set .*=SSL or SASL_SSL, or unset KAFKA_SSL_CA_FILE/,
    ],
    [
      { ...SASL, KAFKA_SSL_CA_FILE: join(dir, 'missing.pem') },
      'KAFKA_SSL_CA_FILE',
      /missing\.pem, which cannot be read/,
    ],
    [{ ...SASL, KAFKA_SSL_CA_FILE: notPem }, 'KAFKA_SSL_CA_FILE', /holds no PEM block/],
    [{ ...SASL, KAFKA_SSL_CERT_FILE: caFile }, 'KAFKA_SSL_KEY_FILE', /required with KAFKA_SSL_CERT_FILE/],
    [{ ...SASL, KAFKA_SSL_KEY_FILE: caFile }, 'KAFKA_SSL_CERT_FILE', /required with KAFKA_SSL_KEY_FILE/],
  ])('given %j, when read, then start-up stops naming %s', (env, field, message) => {
    const error = configError(() => loadKafkaSecurity(env));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('given a bad setting next to a password, when the error is made, then its message holds no password', () => {
    const error = configError(() => loadKafkaSecurity({ ...SASL, KAFKA_SASL_MECHANISM: 'OAUTHBEARER' }));
    expect(error.message).not.toContain('pa55-word');
  });
});

describe('schema registry basic auth from the environment', () => {
  it('given neither variable, when read, then there is no auth', () => {
    expect(loadRegistryAuth({})).toBeUndefined();
  });

  it('given both, when read, then they are the credentials', () => {
    expect(
      loadRegistryAuth({ SCHEMA_REGISTRY_USERNAME: 'carestream', SCHEMA_REGISTRY_PASSWORD: 's3cret' }),
    ).toEqual({ username: 'carestream', password: 's3cret' });
  });

  it.each([
    [{ SCHEMA_REGISTRY_USERNAME: 'carestream' }, 'SCHEMA_REGISTRY_PASSWORD'],
    [{ SCHEMA_REGISTRY_PASSWORD: 's3cret' }, 'SCHEMA_REGISTRY_USERNAME'],
  ])('given only half (%j), when read, then start-up stops naming %s', (env, field) => {
    const error = configError(() => loadRegistryAuth(env));
    expect(error.field).toBe(field);
    expect(error.message).not.toContain('s3cret');
  });
});
