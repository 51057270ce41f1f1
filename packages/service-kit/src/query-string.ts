// What every route's query string must be before its values are read: known names, each given once.
import { printableId } from '@carestream/contract';
import { CareError } from '@carestream/errors';

/**
 * The values of `query` (fastify's parsed query string), each name allowed and given once. Any other name (a
 * typo such as `atomc`) is refused rather than ignored, with a 400 naming it and the route's parameters; a
 * name given twice is refused too, and so is a parameter without a name (`?=x`), naming the field `query`.
 */
export function singleQueryValues<Name extends string>(
  query: unknown,
  allowed: readonly Name[],
): Map<Name, string> {
  const raw = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const values = new Map<Name, string>();
  for (const [name, value] of Object.entries(raw)) {
    // An empty name cannot be the field (`field: ""` tells the client nothing), so the query string is.
    if (name === '') {
      throw invalid(
        'query',
        `has a parameter without a name ("=value"); ${allowed.length > 0 ? `send name=value, the name one of ${allowed.join(', ')}` : 'this route takes no parameters'}`,
      );
    }
    if (!(allowed as readonly string[]).includes(name)) {
      throw invalid(
        printableId(name),
        `is not a parameter of this route; it accepts ${allowed.length > 0 ? allowed.join(', ') : 'none'}`,
      );
    }
    if (Array.isArray(value)) throw invalid(name, 'is given more than once; send it once');
    if (typeof value !== 'string') throw invalid(name, 'must be a single value');
    values.set(name as Name, value);
  }
  return values;
}

function invalid(field: string, message: string): CareError {
  return new CareError('CARE_ERR_VALIDATION', message, { field });
}
