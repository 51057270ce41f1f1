// How carestream authenticates to a production Kafka cluster and schema registry, read from the environment in
// this one place for every service and the CLI. Every bad or half-given setting stops the start with a
// CARE_ERR_CONFIG naming the variable; no message ever holds a password.
import { readFileSync } from 'node:fs';
import { CareError } from '@carestream/errors';

export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];

/** Kafka's spelling (sasl.mechanism); kafkajs takes the same names in lower case. */
export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type KafkaSaslMechanism = Lowercase<(typeof KAFKA_SASL_MECHANISMS)[number]>;

export interface KafkaTls {
  /** PEM certificates the broker's certificate must chain to; without them, Node's own CA list. */
  readonly ca?: string;
  /** A client certificate and its key, PEM, for brokers that also want mutual TLS. */
  readonly cert?: string;
  readonly key?: string;
}

export interface KafkaSasl {
  readonly mechanism: KafkaSaslMechanism;
  readonly username: string;
  readonly password: string;
}

export interface KafkaSecurity {
  readonly protocol: KafkaSecurityProtocol;
  /** Set for SSL and SASL_SSL. */
  readonly tls?: KafkaTls;
  /** Set for SASL_SSL. */
  readonly sasl?: KafkaSasl;
}

/** HTTP basic credentials for the schema registry. */
export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
}

export const PLAINTEXT: KafkaSecurity = { protocol: 'PLAINTEXT' };

const SASL_VARIABLES = ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const;
const TLS_VARIABLES = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const;

const configError = (field: string, message: string) => new CareError('CARE_ERR_CONFIG', message, { field });

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * KAFKA_SECURITY_PROTOCOL (PLAINTEXT, the default; SSL; SASL_SSL) and what it needs: KAFKA_SASL_MECHANISM,
 * KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD for SASL_SSL; KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE and
 * KAFKA_SSL_KEY_FILE (PEM files, read now) optionally for SSL and SASL_SSL.
 */
export function loadKafkaSecurity(env: NodeJS.ProcessEnv): KafkaSecurity {
  const protocolName = 'KAFKA_SECURITY_PROTOCOL';
  const raw = value(env, protocolName) ?? 'PLAINTEXT';
  const protocol = KAFKA_SECURITY_PROTOCOLS.find((known) => known === raw.toUpperCase());
  if (protocol === undefined) {
    const why = /^SASL_PLAINTEXT$/i.test(raw)
      ? ': SASL_PLAINTEXT would send the credentials unencrypted; use SASL_SSL'
      : '';
    throw configError(
      protocolName,
      `${protocolName} must be one of ${KAFKA_SECURITY_PROTOCOLS.join(', ')}, got "${raw}"${why}`,
    );
  }
  // A setting the protocol would ignore is a mistake in the deployment: say so rather than connect without it.
  const unused = [
    ...(protocol === 'SASL_SSL' ? [] : SASL_VARIABLES),
    ...(protocol === 'PLAINTEXT' ? TLS_VARIABLES : []),
  ].find((name) => value(env, name) !== undefined);
  if (unused !== undefined) {
    const needs = SASL_VARIABLES.some((name) => name === unused) ? 'SASL_SSL' : 'SSL or SASL_SSL';
    throw configError(
      protocolName,
      `${unused} is set but ${protocolName} is ${protocol}: set ${protocolName}=${needs}, or unset ${unused}`,
    );
  }
  if (protocol === 'PLAINTEXT') return PLAINTEXT;
  const tls = loadTls(env);
  if (protocol === 'SSL') return { protocol, tls };
  return { protocol, tls, sasl: loadSasl(env) };
}

function loadSasl(env: NodeJS.ProcessEnv): KafkaSasl {
  const required = (name: string) => {
    const given = value(env, name);
    if (given === undefined) {
      throw configError(name, `${name} is required when KAFKA_SECURITY_PROTOCOL is SASL_SSL`);
    }
    return given;
  };
  const mechanismName = 'KAFKA_SASL_MECHANISM';
  const rawMechanism = required(mechanismName);
  const mechanism = KAFKA_SASL_MECHANISMS.find((known) => known === rawMechanism.toUpperCase());
  if (mechanism === undefined) {
    throw configError(
      mechanismName,
      `${mechanismName} must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}, got "${rawMechanism}"`,
    );
  }
  return {
    mechanism: mechanism.toLowerCase() as KafkaSaslMechanism,
    username: required('KAFKA_SASL_USERNAME'),
    password: required('KAFKA_SASL_PASSWORD'),
  };
}

function loadTls(env: NodeJS.ProcessEnv): KafkaTls {
  const ca = pemFile(env, 'KAFKA_SSL_CA_FILE');
  const cert = pemFile(env, 'KAFKA_SSL_CERT_FILE');
  const key = pemFile(env, 'KAFKA_SSL_KEY_FILE');
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'KAFKA_SSL_CERT_FILE' : 'KAFKA_SSL_KEY_FILE';
    throw configError(
      missing,
      `${missing} is required with ${missing === 'KAFKA_SSL_CERT_FILE' ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE'}: a client certificate needs its key`,
    );
  }
  return { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

function pemFile(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const path = value(env, name);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configError(name, `${name} names ${path}, which cannot be read (${(error as Error).message})`);
  }
  if (!text.includes('-----BEGIN '))
    throw configError(name, `${name} names ${path}, which holds no PEM block`);
  return text;
}

/** SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD, both or neither: HTTP basic auth for the registry. */
export function loadRegistryAuth(env: NodeJS.ProcessEnv): RegistryAuth | undefined {
  const username = value(env, 'SCHEMA_REGISTRY_USERNAME');
  const password = value(env, 'SCHEMA_REGISTRY_PASSWORD');
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined) {
    throw configError(
      'SCHEMA_REGISTRY_USERNAME',
      'SCHEMA_REGISTRY_USERNAME is required with SCHEMA_REGISTRY_PASSWORD',
    );
  }
  if (password === undefined) {
    throw configError(
      'SCHEMA_REGISTRY_PASSWORD',
      'SCHEMA_REGISTRY_PASSWORD is required with SCHEMA_REGISTRY_USERNAME',
    );
  }
  return { username, password };
}
