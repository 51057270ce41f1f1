import { CareError } from '@carestream/errors';
import type { BatchItemError } from './batch-result.ts';

/** What ingest answered for one batch: counts and per-item errors (index = position in the batch). */
export interface BatchResponse {
  readonly accepted: number;
  readonly duplicates: number;
  readonly errors: readonly BatchItemError[];
}

export interface RetryNotice {
  readonly attempt: number;
  readonly maxRetries: number;
  readonly delayMs: number;
  readonly reason: string;
}

export interface IngestClientOptions {
  /** The ingest service's base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly apiKey: string;
  readonly maxRetries: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (notice: RetryNotice) => void;
  /** Backoff before retry n (from 1) when the answer gives no Retry-After; jittered. */
  readonly backoffMs?: (attempt: number) => number;
  /** The time now (ms), to read a Retry-After given as an HTTP date; absent: the wall clock. */
  readonly clock?: () => number;
}

const RETRIABLE_STATUS = new Set([429, 502, 503, 504]);
const MAX_RETRY_AFTER_MS = 5 * 60_000;

export function defaultBackoffMs(attempt: number): number {
  const ceiling = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(date - nowMs, 0), MAX_RETRY_AFTER_MS);
}

class RetriableFailure extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Sends batches to `POST /v1/events` as NDJSON. A 503, 429, 502, 504, a timeout or a network error is
 * retried with backoff (Retry-After honoured); a refused key, a too-large batch or any other answer is fatal.
 */
export class IngestClient {
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly backoffMs: (attempt: number) => number;

  constructor(private readonly options: IngestClientOptions) {
    this.endpoint = new URL('/v1/events', options.url).toString();
    this.fetch = options.fetch ?? fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.backoffMs = options.backoffMs ?? defaultBackoffMs;
  }

  async sendBatch(lines: readonly string[]): Promise<BatchResponse> {
    const body = `${lines.join('\n')}\n`;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.sendOnce(body, lines.length);
      } catch (error) {
        if (!(error instanceof RetriableFailure)) throw error;
        if (attempt > this.options.maxRetries) {
          throw new CareError(
            error.status === 503 ? 'CARE_ERR_KAFKA_UNAVAILABLE' : 'CARE_ERR_INTERNAL',
            `gave up after ${this.options.maxRetries} retries: ${error.message}`,
            { retriable: true, cause: error },
          );
        }
        const delayMs = error.retryAfterMs ?? this.backoffMs(attempt);
        this.options.onRetry?.({
          attempt,
          maxRetries: this.options.maxRetries,
          delayMs,
          reason: error.message,
        });
        await this.sleep(delayMs);
      }
    }
  }

  private async sendOnce(body: string, items: number): Promise<BatchResponse> {
    let response: Response;
    try {
      response = await this.fetch(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.options.apiKey}`,
          'content-type': 'application/x-ndjson',
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      throw new RetriableFailure(
        `could not reach the ingest service at ${this.endpoint}: ${describeNetworkError(error)}`,
        undefined,
        undefined,
      );
    }
    const text = await response.text().catch(() => '');
    const json = parseJson(text);
    const message = errorMessage(json) ?? (text.slice(0, 200) || response.statusText);
    if (RETRIABLE_STATUS.has(response.status)) {
      throw new RetriableFailure(
        `the ingest service answered ${response.status}: ${message}`,
        retryAfterMs(response.headers.get('retry-after'), (this.options.clock ?? Date.now)()),
        response.status,
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new CareError(
        'CARE_ERR_UNAUTHORIZED',
        `the ingest service refused the API key (${message}); pass a write or admin key with --key or CARESTREAM_API_KEY`,
        { field: 'key' },
      );
    }
    if (response.status === 413) {
      throw new CareError(
        'CARE_ERR_PAYLOAD_TOO_LARGE',
        `a batch of ${items} items is too large for the ingest service (${message}); lower --batch-size`,
        { field: 'batch-size' },
      );
    }
    const perItem = itemErrors(json);
    if ((response.status === 202 || response.status === 200 || response.status === 400) && perItem) {
      const record = json as Record<string, unknown>;
      return {
        accepted: typeof record.accepted === 'number' ? record.accepted : 0,
        duplicates: typeof record.duplicates === 'number' ? record.duplicates : 0,
        errors: perItem,
      };
    }
    throw new CareError('CARE_ERR_INTERNAL', `the ingest service answered ${response.status}: ${message}`, {
      retriable: false,
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorMessage(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const error = (json as { error?: { message?: unknown; field?: unknown } }).error;
  if (typeof error?.message !== 'string') return undefined;
  return typeof error.field === 'string' && error.field !== ''
    ? `${error.field} ${error.message}`
    : error.message;
}

function itemErrors(json: unknown): BatchItemError[] | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const errors = (json as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  return errors.map((error: unknown) => {
    const record = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
    return {
      index: typeof record.index === 'number' ? record.index : -1,
      field: typeof record.field === 'string' ? record.field : '',
      message: typeof record.message === 'string' ? record.message : 'is invalid',
    };
  });
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'no answer in time';
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    if (typeof cause?.code === 'string') return cause.code;
    if (typeof cause?.message === 'string') return cause.message;
    return error.message;
  }
  return String(error);
}
