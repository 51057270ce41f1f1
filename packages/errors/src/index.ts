/**
 * Every carestream error carries a stable code (CARE_ERR_…) callers can match on, and says whether it is
 * retriable: a transient fault (retry, commit nothing) versus a poison input (reject or dead-letter, move on).
 */
export type CareErrorCode =
  | 'CARE_ERR_CONFIG'
  | 'CARE_ERR_VALIDATION'
  | 'CARE_ERR_DECODE'
  | 'CARE_ERR_APPLY'
  | 'CARE_ERR_KAFKA_UNAVAILABLE'
  | 'CARE_ERR_REGISTRY_UNAVAILABLE'
  | 'CARE_ERR_DATABASE_UNAVAILABLE'
  | 'CARE_ERR_UNAUTHORIZED'
  | 'CARE_ERR_FORBIDDEN'
  | 'CARE_ERR_RATE_LIMITED'
  | 'CARE_ERR_NOT_FOUND'
  | 'CARE_ERR_PAYLOAD_TOO_LARGE'
  | 'CARE_ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'CARE_ERR_INTERNAL';

export interface CareErrorOptions {
  readonly retriable?: boolean;
  readonly cause?: unknown;
  /** The input field at fault, when there is one. */
  readonly field?: string;
  /** When the caller may try again (a rate limit's window), sent as `Retry-After`. */
  readonly retryAfterSeconds?: number;
}

export class CareError extends Error {
  readonly code: CareErrorCode;
  readonly retriable: boolean;
  readonly field: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: CareErrorCode, message: string, options: CareErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CareError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.field = options.field;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isRetriable(error: unknown): boolean {
  return error instanceof CareError && error.retriable;
}
