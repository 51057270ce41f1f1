// A corpus of hostile input for the "never 5xx for a request's content" tests of ingest and the query API: the
// values that have broken services before (NUL reaching PostgreSQL, a 10 KB id, bytes that are not UTF-8) and
// their relatives. Tests send them to every route the app has (routesOf), so a new route is covered unasked.

/** Hostile values as they stand in a URL (path segment or query value), percent-encoded where a URL needs it. */
export const HOSTILE_URL_VALUES: readonly string[] = [
  '%00',
  'a%00b',
  '%00%00%00',
  '%01',
  '%1F',
  '%7F',
  '%C2%85', // NEL, a C1 control
  '%ED%A0%80', // a lone surrogate, UTF-8-encoded: not UTF-8
  '%ED%BF%BF',
  '%C0%AF', // overlong '/'
  '%C0%80', // overlong NUL
  '%E0%80%AF',
  '%F8%88%80%80%80', // a five-byte form
  '%F4%90%80%80', // above U+10FFFF
  '%FF',
  '%FE%FF',
  '%', // broken escapes
  '%zz',
  '%E2%80',
  'a%',
  '%E2%80%AE', // right-to-left override
  '%E2%80%8B', // zero-width space
  '%EF%BB%BF', // BOM
  '%EE%80%80', // private use
  '%EF%BF%BF', // a noncharacter
  '%E2%80%A8', // line separator
  '.',
  '..',
  '%2e%2e',
  '..%2F..%2Fetc%2Fpasswd',
  '%2F',
  'a%2Fb',
  'a%3Fb',
  'a%23b',
  'a%3Ab',
  '%5C',
  '%25',
  '%2500',
  '%20',
  '%20%20',
  '%09',
  '%0D%0A',
  'caf%C3%A9',
  'cafe%CC%81', // decomposed é: not NFC
  'x'.repeat(10_240),
  '%00'.repeat(3_000),
  '%F0%9F%98%80'.repeat(300),
  "'%3B%20drop%20table%20brand_profiles%3B--",
  '%24%7Bjndi%3Aldap%3A%2F%2Fx%7D',
  'null',
  'undefined',
  '-1',
  '1e309',
  'NaN',
  '%5B%5D',
  '%7B%7D',
];

/** Hostile strings as JavaScript has them, for JSON bodies: what a JSON escape such as `\u0000` or `\ud800` gives. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  '\u0000',
  'a\u0000b',
  '\u0001',
  '\u001F',
  '\u007F',
  '\u0085',
  '\uD800',
  'a\uDC00b',
  '\uDBFF\uDBFF',
  '\u202Eevil',
  'acme\u200B',
  '\uFEFF',
  '\uE000',
  '\uFFFF',
  '\u2028',
  ' ',
  '   ',
  '\t',
  '\r\n',
  '../x',
  '..',
  'a/b',
  '%00',
  'a%00b',
  'a?b',
  'a#b',
  'a:b',
  '\\',
  'cafe\u0301',
  'x'.repeat(10_240),
  '😀'.repeat(300),
  "'; drop table brand_profiles; --",
  // Names of Object.prototype's properties: a lookup in a plain object finds them unless it asks for own keys.
  '__proto__',
  'constructor',
  'toString',
];

/** Bodies that are not UTF-8, or not what they say. */
export const HOSTILE_BODIES: readonly Buffer[] = [
  Buffer.from([0x00]),
  Buffer.from([0xff, 0xfe, 0x5b, 0x00, 0x5d, 0x00]), // "[]" in UTF-16LE with its BOM
  Buffer.from('[{"eventId":"\u00ff"}]', 'latin1'),
  Buffer.concat([Buffer.from('[{"eventId":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}]')]),
  Buffer.concat([Buffer.from('[{"eventId":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}]')]),
  Buffer.from('[{"eventId":"\\ud800"}]'),
  Buffer.from('\u0000\u0000\u0000'),
  Buffer.from('['.repeat(100_000)),
  Buffer.from('{"__proto__":{"polluted":1}}'),
];

export interface AppRoute {
  /** The route's URL pattern, e.g. `/v1/brands/:brandId/sla`. */
  readonly url: string;
  readonly methods: readonly string[];
}

/** Every route of a ready fastify app, read from its route tree (fastify keeps no public list). */
export function routesOf(app: { printRoutes(options: { commonPrefix: false }): string }): AppRoute[] {
  const routes: AppRoute[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^(.*?)(?:├── |└── )(.*) \(([A-Z, ]+)\)$/.exec(line);
    if (match === null) continue;
    const [, indent = '', segment = '', methods = ''] = match;
    const depth = indent.length / 4;
    const url = (depth === 0 ? '' : (prefixes[depth - 1] ?? '')) + segment;
    prefixes[depth] = url;
    routes.push({ url, methods: methods.split(', ').filter((method) => method !== 'HEAD') });
  }
  return routes;
}

/** `url` with each `:param` replaced by `value` (already as it stands in a URL). */
export function withParams(url: string, value: string): string {
  return url.replace(/:[A-Za-z]+/g, value);
}
