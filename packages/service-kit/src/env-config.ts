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
