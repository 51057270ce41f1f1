import { InvalidArgumentError } from 'commander';

/** Exit code of a command stopped by Ctrl-C at a safe point (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** A commander parser for a whole number within [min, max]; the error says what to give. */
export const integer = (min: number, max: number) => (raw: string) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
  return value;
};
