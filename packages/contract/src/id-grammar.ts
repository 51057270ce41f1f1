// The one grammar of ids, and the one rule for free text, applied at every entrance: ingest's JSON and
// NDJSON (validateItem), `carestream import` (which goes through ingest), webhooks (admitMappedEvents), the
// query API's path parameters, and events a processor decodes (fromAvroRecord), which may have been produced
// straight to Kafka by something that never saw ingest.
//
// Why ids are refused rather than repaired: an id is identity. Two spellings of one id that a repair would
// merge ("é" composed and decomposed, "acme" and "acme\u200B") are two different keys in Kafka, in Postgres
// and in the API's URLs; silently normalising one of them at one entrance but not at another would split or
// merge facts. So an id must already be in its one canonical, printable form, or it is refused with the
// reason.
// Text (a mention's text, a profile's name) identifies nothing, so it is repaired instead: an event is not
// lost for a stray control character a platform let through.
import type { CareEvent } from './events.ts';

/** The longest id, in code points (as JSON schema's maxLength counts). */
export const MAX_ID_LENGTH = 256;

/**
 * A brand id as JSON-schema / OpenAPI pattern: ASCII letters, digits, '-' and '_', and single dots between
 * them; it starts with a letter or digit. Brand ids appear in URL paths (`/v1/brands/{brandId}/…`), in API
 * keys' scopes and, before ':', in Kafka keys (`brandId:conversationId`), so they keep to characters that
 * need no escaping anywhere and cannot be a path segment such as `..`.
 */
export const BRAND_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]*(?:\\.[A-Za-z0-9_-]+)*$';
const BRAND_ID = new RegExp(BRAND_ID_PATTERN);
const BRAND_ID_CHARACTER = /^[A-Za-z0-9._-]$/;

/**
 * The Unicode general categories no id may contain, with what to call them in an error. Cs: a lone surrogate
 * (a JSON `\ud800` escape; UTF-8 cannot carry one). Cn: unassigned in the Unicode version of the running
 * Node, refused because NFC is only stable for assigned characters (a later Unicode could give one a
 * decomposition and change which spelling is canonical). Last, every Default_Ignorable_Code_Point the
 * categories miss: characters that render as nothing although they are letters or marks (U+3164 HANGUL FILLER,
 * U+115F HANGUL CHOSEONG FILLER, U+034F COMBINING GRAPHEME JOINER), so that `acme` and `acme` + an invisible one
 * cannot be two ids that look the same. Variation selectors stay: they choose how the character before them is
 * drawn (`❤️`, U+2764 U+FE0F), and ids holding them were taken before this rule, so the processors, which check
 * every event they decode by the same grammar, must go on taking them on a replay. The zero-width joiner is Cf,
 * so emoji ZWJ sequences were never ids.
 */
const REFUSED_CATEGORIES: readonly (readonly [RegExp, string])[] = [
  [/\p{Cc}/u, 'a control character'],
  [/\p{Cf}/u, 'an invisible format character (such as a zero-width space or a bidirectional override)'],
  [/\p{Cs}/u, 'a lone surrogate (not a character: send well-formed Unicode)'],
  [/\p{Co}/u, 'a private-use character'],
  [/\p{Cn}/u, 'an unassigned code point'],
  [/\p{Zl}/u, 'a line separator'],
  [/\p{Zp}/u, 'a paragraph separator'],
  [
    /(?!\p{Variation_Selector})\p{Default_Ignorable_Code_Point}/u,
    'an invisible character (such as a Hangul filler or a combining grapheme joiner)',
  ],
];
const ANY_REFUSED =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?!\p{Variation_Selector})\p{Default_Ignorable_Code_Point}/u;
const EDGE_WHITESPACE = /^\p{White_Space}|\p{White_Space}$/u;

function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Printable ASCII, no space first or last. */
const PLAIN_ASCII_ID = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Why `value` is not an id, in words that follow the field's name (`eventId contains U+0000 …`), or undefined
 * when it is one. An id is 1 to MAX_ID_LENGTH code points, in Unicode NFC, with no character of the
 * categories Cc, Cf, Cs, Co, Cn, Zl or Zp nor any default-ignorable code point but a variation selector, and no whitespace at either
 * end (so never only whitespace).
 */
export function idProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  // Nearly every id is printable ASCII with no space at either end: valid as it is (ASCII is NFC), decided by
  // one regular expression instead of a walk over its characters (every decoded event checks several ids).
  if (value.length <= MAX_ID_LENGTH && PLAIN_ASCII_ID.test(value)) return undefined;
  let length = 0;
  for (const char of value) {
    length += 1;
    if (length > MAX_ID_LENGTH) break;
    if (!ANY_REFUSED.test(char)) continue;
    const category = REFUSED_CATEGORIES.find(([pattern]) => pattern.test(char))?.[1] ?? 'a refused character';
    return (
      `contains ${codePointName(char)}, ${category}, at character ${length}; ` +
      'ids take printable characters only'
    );
  }
  if (length > MAX_ID_LENGTH) {
    let total = 0;
    for (const _ of value) total += 1;
    return `must be at most ${MAX_ID_LENGTH} characters, got ${total}`;
  }
  if (EDGE_WHITESPACE.test(value)) return 'must not begin or end with whitespace';
  if (value.normalize('NFC') !== value) {
    return 'is not in Unicode normalisation form C (NFC); send it NFC-normalised (composed: "é" as U+00E9)';
  }
  return undefined;
}

/** Why `value` is not a brand id (an id that also matches BRAND_ID_PATTERN), or undefined when it is one. */
export function brandIdProblem(value: string): string | undefined {
  const problem = idProblem(value);
  if (problem !== undefined || BRAND_ID.test(value)) return problem;
  const rule =
    "a brand id is ASCII letters, digits, '-', '_' and single dots, starting with a letter or digit, e.g. " +
    "acme or brand-7 (it goes in URL paths and, before ':', in conversation keys)";
  let position = 0;
  for (const char of value) {
    position += 1;
    if (!BRAND_ID_CHARACTER.test(char)) return `contains "${char}" at character ${position}; ${rule}`;
  }
  return `must start with a letter or digit and have dots only singly between other characters; ${rule}`;
}

/**
 * The order of ids wherever carestream breaks a tie by id (replies sent at the same instant, profile versions set
 * at the same instant): by Unicode code point, as PostgreSQL's `collate "C"` orders UTF-8 text. JavaScript's
 * `<` compares UTF-16 code units, which puts U+E000–U+FFFF after the code points above U+FFFF.
 */
export function compareIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** A UTF-16 unit's place in code point order: surrogates (code points above U+FFFF) after U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/**
 * `value` fit to quote in a message or a log line whatever it holds: at most `max` code points (then '…'),
 * and every character an id may not contain written as `\u{…}`, so an error about a bad id does not carry the
 * bad characters (a NUL, a bidirectional override) to the caller's terminal or to PostgreSQL.
 */
export function printableId(value: string, max = 64): string {
  let out = '';
  let count = 0;
  for (const char of value) {
    count += 1;
    if (count > max) return `${out}…`;
    out += ANY_REFUSED.test(char) ? `\\u{${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}}` : char;
  }
  return out;
}

export const isId = (value: string): boolean => idProblem(value) === undefined;
export const isBrandId = (value: string): boolean => brandIdProblem(value) === undefined;

// Every control character (C0, DEL, C1) and every lone surrogate; tab, line feed and carriage return stay.
const CONTROL_OR_LONE_SURROGATE = /[\p{Cc}\p{Cs}]/gu;
const KEPT_CONTROLS = new Set(['\t', '\n', '\r']);

/**
 * Free text (a mention's `text`, a profile's `name`) as carestream keeps it: control characters other than
 * tab, line feed and carriage return are removed (NUL among them, which PostgreSQL cannot store), and a lone
 * surrogate becomes U+FFFD, as a UTF-8 encoder would make it anyway. Nothing else changes.
 */
export function cleanText(value: string): string {
  return value.replace(CONTROL_OR_LONE_SURROGATE, (char) => {
    if (KEPT_CONTROLS.has(char)) return char;
    return /\p{Cs}/u.test(char) ? '\uFFFD' : '';
  });
}

/** An id field of an event, with its value (null for an absent optional one such as inReplyTo). */
type IdFields = readonly (readonly [field: string, value: string | null])[];

/** The single id fields of each event type (a profile's `ownAccountIds` are ids too, one by one). */
const ID_FIELDS = {
  MentionReceived: ['eventId', 'brandId', 'conversationId', 'messageId', 'authorId'],
  ReplySent: ['eventId', 'brandId', 'conversationId', 'messageId', 'inReplyTo', 'agentId'],
  BrandPostPublished: ['eventId', 'brandId', 'postId'],
  BrandProfileSet: ['eventId', 'brandId'],
} as const satisfies {
  readonly [T in CareEvent['type']]: readonly (keyof Extract<CareEvent, { type: T }> & string)[];
};

/** The value of id field `field` of `event` (ID_FIELDS names only fields of its type). */
const idValue = (event: CareEvent, field: string) =>
  (event as unknown as Record<string, string | null>)[field] ?? null;

/**
 * The id fields of each event type, by name and value: what the grammar holds an event to wherever it comes
 * from. `brandId` is checked as a brand id, the others as ids; `ownAccountIds[i]` each as an id.
 */
export function idFieldsOf(event: CareEvent): IdFields {
  const fields = ID_FIELDS[event.type].map((field) => [field, idValue(event, field)] as const);
  if (event.type !== 'BrandProfileSet') return fields;
  return [...fields, ...event.ownAccountIds.map((id, i) => [`ownAccountIds[${i}]`, id] as const)];
}

/**
 * The first id of `event` that breaks the grammar, with why; undefined when every id keeps it. It allocates
 * nothing for a good event (the processors check every event they decode).
 */
export function eventIdProblem(event: CareEvent): { field: string; message: string } | undefined {
  for (const field of ID_FIELDS[event.type]) {
    const value = idValue(event, field);
    if (value === null) continue;
    const message = field === 'brandId' ? brandIdProblem(value) : idProblem(value);
    if (message !== undefined) return { field, message };
  }
  if (event.type === 'BrandProfileSet') {
    for (const [i, id] of event.ownAccountIds.entries()) {
      const message = idProblem(id);
      if (message !== undefined) return { field: `ownAccountIds[${i}]`, message };
    }
  }
  return undefined;
}

/** The event with its free text (mention `text`, profile `name`) cleaned by cleanText. */
export function withCleanText(event: CareEvent): CareEvent {
  if (event.type === 'MentionReceived' && event.text !== null)
    return { ...event, text: cleanText(event.text) };
  if (event.type === 'BrandProfileSet') return { ...event, name: cleanText(event.name) };
  return event;
}
