import { describe, expect, it } from 'vitest';
import { EnvReader } from './env-config.ts';

describe('EnvReader.addressRanges', () => {
  it('given addresses and CIDR ranges of both families, when read, then each is kept as written', () => {
    const read = new EnvReader({ PROXIES: ' 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1' });
    expect(read.addressRanges('PROXIES')).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1']);
    expect(new EnvReader({}).addressRanges('PROXIES')).toEqual([]);
  });

  it('given something that is not an address or range, when read, then start-up stops naming the setting and the entry', () => {
    for (const entry of ['proxy.local', '10.0.0.0/33', 'fd00::/129', '10.0.0.1/8/8', '10.0.0.0/x', '']) {
      expect(() => new EnvReader({ PROXIES: `10.0.0.1,${entry}` }).addressRanges('PROXIES'), entry).toThrow(
        `PROXIES must be IP addresses or CIDR ranges separated by commas (such as 10.0.0.0/8,fd00::/8), got "${entry}"`,
      );
    }
  });
});
