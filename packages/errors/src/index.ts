/**
 * Every carestream error carries a stable code (CARE_ERR_…) callers can match on, and says whether it is
 * retriable: a transient fault (retry, commit nothing) versus a poison input (reject or dead-letter, move on).
 */

/**
 * The one list of codes: each with the HTTP status a client gets it with and what it means. The HTTP services'
 * error handler takes the status from here, and docs/operations.md's table of codes is tested against it.
 */
export const CARE_ERROR_CODES = {
  CARE_ERR_VALIDATION: {
    status: 400,
    meaning: 'the request or an item in it breaks a rule; `field` names it',
  },
  CARE_ERR_DECODE: {
    status: 400,
    meaning: 'a Kafka message is not Avro of the contract (processors dead-letter it)',
  },
  CARE_ERR_UNAUTHORIZED: {
    status: 401,
    meaning: 'no API key, an unknown or revoked one, two keys, a bad webhook signature',
  },
  CARE_ERR_FORBIDDEN: { status: 403, meaning: 'the key (or webhook token) is known but may not do this' },
  CARE_ERR_NOT_FOUND: { status: 404, meaning: 'no such route, or no such brand visible to the key' },
  CARE_ERR_PAYLOAD_TOO_LARGE: {
    status: 413,
    meaning: 'the body has more bytes or items than the limits allow',
  },
  CARE_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: 'a content type or charset the route does not read',
  },
  CARE_ERR_RATE_LIMITED: {
    status: 429,
    meaning: 'a rate limit is spent; `Retry-After` says when to try again',
  },
  CARE_ERR_APPLY: { status: 500, meaning: 'a processor could not apply an event (dead-lettered)' },
  CARE_ERR_CONFIG: { status: 500, meaning: 'a setting is missing or invalid (start-up, the CLI)' },
  CARE_ERR_INTERNAL: {
    status: 500,
    meaning: 'anything else; the answer hides the details, the log has them',
  },
  CARE_ERR_KAFKA_UNAVAILABLE: {
    status: 503,
    meaning: 'Kafka did not answer in time; retry after `Retry-After`',
  },
  CARE_ERR_REGISTRY_UNAVAILABLE: { status: 503, meaning: 'the schema registry did not answer; retry' },
  CARE_ERR_DATABASE_UNAVAILABLE: {
    status: 503,
    meaning: 'PostgreSQL did not answer; retry after `Retry-After`',
  },
} as const satisfies Record<`CARE_ERR_${string}`, { readonly status: number; readonly meaning: string }>;

export type CareErrorCode = keyof typeof CARE_ERROR_CODES;

/** The HTTP status a client gets with this code. */
export function httpStatusOf(code: CareErrorCode): number {
  return CARE_ERROR_CODES[code].status;
}

/**
 * The code for a 4xx that a framework (not our code) raised, so that its code matches its status: fastify's
 * 415 for an unknown content type is CARE_ERR_UNSUPPORTED_MEDIA_TYPE, not a validation error.
 */
export function codeForClientStatus(status: number): CareErrorCode {
  const match = (Object.keys(CARE_ERROR_CODES) as CareErrorCode[]).find(
    (code) => code !== 'CARE_ERR_DECODE' && CARE_ERROR_CODES[code].status === status,
  );
  return match ?? 'CARE_ERR_VALIDATION';
}

export interface CareErrorOptions {
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** The input field at fault, when there is one. */
  readonly field?: string;
  /** When the caller may try again (a rate limit's window), sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;
  /** What the answer carries beside `error` (a refused batch's per-item errors and counts). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class CareError extends Error {
  readonly code: CareErrorCode;
  readonly retriable: boolean;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: CareErrorCode, message: string, options: CareErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CareError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details;
  }
}

// Node's socket errors when a server is down, restarting or unreachable, or a connection dropped.
const NETWORK_ERROR_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'];
const NETWORK_ERROR_TEXT = new RegExp(
  `\\b(?:${NETWORK_ERROR_CODES.join('|')})\\b|socket hang up|fetch failed`,
  'i',
);

/**
 * Whether an error is a network fault rather than an answer: one of Node's socket error codes on the error or
 * its cause, or fetch's and http's words for one. Worth retrying. The one test of it, for PostgreSQL
 * (@carestream/postgres isDatabaseUnavailable) and the schema registry (@carestream/kafka's event codec).
 */
export function isNetworkFault(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  for (const candidate of [error, error.cause]) {
    const code = (candidate as { code?: unknown } | null | undefined)?.code;
    if (typeof code === 'string' && NETWORK_ERROR_CODES.includes(code)) return true;
  }
  return NETWORK_ERROR_TEXT.test(error.message);
}

/**
 * Whether an error says it is a transient fault (retry, commit nothing): a CareError marked retriable, or an
 * error of a client library that marks itself the same way (kafkajs's errors carry `retriable`). The one
 * reading of that flag; what is transient besides (PostgreSQL away, a serialization failure) is decided where
 * those errors are known (processor-runtime's isTransientFault).
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof CareError) return error.retriable;
  return error instanceof Error && (error as { retriable?: unknown }).retriable === true;
}
