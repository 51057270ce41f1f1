import { describe, expect, it } from 'vitest';
import { formatKeyTable } from './key-admin.ts';

describe('formatKeyTable', () => {
  it('given a label with a line break and terminal escapes, then it stays on its row, escaped', () => {
    const table = formatKeyTable([
      {
        keyId: 'k1',
        scope: 'read',
        brandIds: ['acme'],
        label: 'x\nk9  admin  (all)\u001b[2J',
        createdAt: '2026-11-29T00:00:00.000Z',
        revokedAt: null,
      },
    ]);
    const lines = table.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('x\\u{A}k9  admin  (all)\\u{1B}[2J');
    expect(table).not.toContain('\u001b');
  });
});
