import { describe, expect, it } from 'vitest';
import { rejectsByLine } from './batch-result.ts';

describe('batch errors → file lines', () => {
  // A batch built from lines 10, 11, 13 and 17 (12 was blank, 14-16 rejected before sending).
  const lines = [10, 11, 13, 17];

  it('maps each error index to the line the item came from, grouping reasons per line in file order', () => {
    const byLine = rejectsByLine(lines, [
      { index: 3, field: 'channel', message: 'must be one of x, facebook' },
      { index: 0, field: 'kind', message: 'is required' },
      { index: 3, field: 'receivedAt', message: 'is in the future' },
    ]);
    expect([...byLine]).toEqual([
      [10, [{ field: 'kind', message: 'is required' }]],
      [
        17,
        [
          { field: 'channel', message: 'must be one of x, facebook' },
          { field: 'receivedAt', message: 'is in the future' },
        ],
      ],
    ]);
  });

  it('has nothing to map when the batch had no errors', () => {
    expect(rejectsByLine(lines, []).size).toBe(0);
  });

  it('refuses an index outside the batch rather than blame the wrong line', () => {
    expect(() => rejectsByLine(lines, [{ index: 4, field: '', message: 'x' }])).toThrow(
      /item 4 of a batch of 4/,
    );
    expect(() => rejectsByLine(lines, [{ index: -1, field: '', message: 'x' }])).toThrow();
  });
});
