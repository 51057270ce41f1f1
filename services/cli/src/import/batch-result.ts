import { CareError } from '@carestream/errors';
import type { RejectReason } from './csv-item.ts';

/** A per-item error as ingest reports it: `index` is the item's position in the request. */
export interface BatchItemError {
  readonly index: number;
  readonly field: string;
  readonly message: string;
}

/**
 * Maps the errors of one request back to the file: `lines[i]` is the file line of the batch's item i.
 * Returns each rejected line with its reasons, in file order.
 */
export function rejectsByLine(
  lines: readonly number[],
  errors: readonly BatchItemError[],
): Map<number, RejectReason[]> {
  const byLine = new Map<number, RejectReason[]>();
  for (const error of errors) {
    const line = Number.isInteger(error.index) ? lines[error.index] : undefined;
    if (line === undefined) {
      throw new CareError(
        'CARE_ERR_INTERNAL',
        `the ingest service reported an error for item ${error.index} of a batch of ${lines.length}`,
      );
    }
    const reasons = byLine.get(line) ?? [];
    reasons.push({ field: error.field, message: error.message });
    byLine.set(line, reasons);
  }
  return new Map([...byLine].sort(([a], [b]) => a - b));
}
