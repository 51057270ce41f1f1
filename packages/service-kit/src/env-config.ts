import { isIP } from 'node:net';
import { CareError } from '@carestream/errors';

/** Reads typed settings from the environment once, at start-up; a bad value stops the service with its name. */
export class EnvReader {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  string(name: string, fallback?: string): string {
    const value = this.env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    throw new CareError('CARE_ERR_CONFIG', `${name} is required`, { field: name });
  }

  optionalString(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value === '' ? undefined : value;
  }

  integer(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new CareError(
        'CARE_ERR_CONFIG',
        `${name} must be an integer from ${min} to ${max}, got "${raw}"`,
        { field: name },
      );
    }
    return value;
  }

  /** A comma-separated list of IP addresses or CIDR ranges (`10.0.0.0/8, fd00::/8`); empty when unset. */
  addressRanges(name: string): string[] {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return [];
    const ranges = raw.split(',').map((part) => part.trim());
    for (const range of ranges) {
      const [address = '', bits, ...rest] = range.split('/');
      const family = isIP(address);
      const maxBits = family === 4 ? 32 : 128;
      const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
      if (family === 0 || !bitsOk || rest.length > 0) {
        throw new CareError(
          'CARE_ERR_CONFIG',
          `${name} must be IP addresses or CIDR ranges separated by commas (such as 10.0.0.0/8,fd00::/8), got "${range}"`,
          { field: name },
        );
      }
    }
    return ranges;
  }

  json<T>(name: string, fallback: T, check: (value: unknown) => value is T, shape: string): T {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return fallback;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new CareError('CARE_ERR_CONFIG', `${name} must be JSON (${shape})`, { field: name });
    }
    if (!check(value)) throw new CareError('CARE_ERR_CONFIG', `${name} must be ${shape}`, { field: name });
    return value;
  }
}
