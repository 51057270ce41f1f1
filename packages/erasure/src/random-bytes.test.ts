import { describe, expect, it } from 'vitest';
import { secureRandomBytes } from './random-bytes.ts';

describe('secureRandomBytes', () => {
  it('hands out the sizes asked, never the same bytes twice, across refills of its pool', () => {
    const seen = new Set<string>();
    let total = 0;
    for (let i = 0; i < 10_000; i += 1) {
      const size = [16, 32, 12][i % 3] ?? 16;
      const bytes = secureRandomBytes(size);
      expect(bytes).toHaveLength(size);
      seen.add(bytes.toString('hex'));
      total += size;
    }
    expect(total).toBeGreaterThan(2 * 64 * 1024);
    expect(seen.size).toBe(10_000);
  });

  it('gives a larger request than its pool straight from the generator', () => {
    expect(secureRandomBytes(100_000)).toHaveLength(100_000);
  });

  it('is not all zeros or one repeated byte', () => {
    const bytes = secureRandomBytes(4096);
    expect(new Set(bytes).size).toBeGreaterThan(200);
  });
});
