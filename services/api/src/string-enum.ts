import { Type } from '@sinclair/typebox';

/** One string of a fixed set, documented as a plain `enum` (TypeBox unions of literals become anyOf lists). */
export const StringEnum = <T extends string>(
  values: readonly T[],
  options: { description?: string; default?: NoInfer<T> } = {},
) => Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
