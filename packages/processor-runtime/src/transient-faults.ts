import { isRetriable } from '@carestream/errors';

// Connection-level failures and PostgreSQL classes 08 (connection), 57P (operator intervention, e.g. a
// restart), 53 (insufficient resources) and 40001/40P01 (serialization, deadlock): retry, never dead-letter.
const RETRIABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function isTransientFault(error: unknown): boolean {
  if (isRetriable(error)) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (RETRIABLE_NODE_CODES.has(code)) return true;
    if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('53')) return true;
    if (code === '40001' || code === '40P01') return true;
  }
  if ((error as { retriable?: unknown }).retriable === true) return true; // kafkajs errors
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}
