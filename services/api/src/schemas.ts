import {
  BRAND_ID_PATTERN,
  CHANNELS,
  MAX_ID_LENGTH,
  MAX_INDUSTRY_LENGTH,
  MENTION_KINDS,
} from '@carestream/contract';
import { Type, type TSchema } from '@sinclair/typebox';
import { CHURN_LEVEL_NAMES } from './query-params.ts';
import { StringEnum } from './string-enum.ts';

/**
 * TypeBox schemas of the query API: they document the routes in /openapi.json and drive the JSON serializer
 * (so an answer carries exactly the documented fields). The query parameters' schemas live with their parser
 * (query-params.ts), which is compiled from them.
 */

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Seconds = (description: string) => Nullable(Type.Number({ description }));
const Share = (description: string) => Nullable(Type.Number({ minimum: 0, description }));
const Timestamp = (description: string) => Type.String({ format: 'date-time', description });
const Count = (description: string) => Type.Integer({ description });
const Literals = <T extends string>(values: readonly T[]) => StringEnum(values);

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable code, e.g. CARE_ERR_VALIDATION, CARE_ERR_NOT_FOUND.' }),
      field: Type.Optional(Type.String({ description: 'The parameter or header at fault.' })),
      message: Type.String(),
    }),
  },
  { description: 'What went wrong, naming the field at fault.' },
);

export const ResponseTimeSchema = Type.Object({
  mean: Seconds('Mean response time, seconds.'),
  p50: Seconds('Median, seconds (within 1%).'),
  p90: Seconds('90th percentile, seconds (within 1%).'),
  p99: Seconds('99th percentile, seconds (within 1%).'),
  min: Seconds('Fastest answer, seconds (within 1%).'),
  max: Seconds('Slowest answer, seconds (within 1%).'),
});

export const WithinTargetSchema = Type.Object(
  {
    '30m': Share('Share of needingResponse answered within 30 minutes.'),
    '1h': Share('Share answered within 1 hour.'),
    '4h': Share('Share answered within 4 hours.'),
    '24h': Share('Share answered within 24 hours.'),
  },
  { description: 'Fractions of needingResponse; null when nothing needed a response.' },
);

export const SlaFiguresSchema = Type.Object({
  from: Timestamp('Start of the period counted (inclusive, whole UTC hour).'),
  to: Timestamp('End of the period counted (exclusive, whole UTC hour).'),
  needingResponse: Count('Mentions needing a response received in the period.'),
  answered: Count('Of those, answered by a human reply.'),
  open: Count('Of those, still open now (neither answered nor expired).'),
  expired: Count('Of those, unanswered past the answer horizon.'),
  complaints: Count('Mentions needing a response that were complaints.'),
  responseRate: Share('answered / needingResponse; null when nothing needed a response.'),
  responseTimeSeconds: ResponseTimeSchema,
  withinTarget: WithinTargetSchema,
  businessHours: Nullable(
    Type.Object(
      {
        answered: Count('Answers with business-hours time counted.'),
        responseTimeSeconds: ResponseTimeSchema,
        withinTarget: WithinTargetSchema,
      },
      { description: 'The same figures counting business hours only; null when the brand keeps none.' },
    ),
  ),
  targetBreaches: Count(
    'Mentions that passed the brand SLA target unanswered: answered later than the target, or unanswered past it.',
  ),
  humanReplies: Count('Human replies sent in the period.'),
  automatedReplies: Count('Automated (bot, auto-rule) replies sent in the period.'),
  brandPosts: Count('Broadcast posts published in the period.'),
  postsPerReply: Share('brandPosts / humanReplies; null without human replies.'),
});

export const UnplacedSchema = Type.Object(
  {
    olderThanRetention: Count(
      'Events older than the retention window behind the newest event of their conversation (produced to Kafka ' +
        'directly, past the checks of ingest): counted here and in no figure.',
    ),
  },
  {
    description:
      'Events of this brand, over all time, that the processors received but could not place in any figure, by ' +
      'reason. Nothing is dropped silently; the metric carestream_sla_fold_outcomes_total{outcome="too-late"} counts them too.',
  },
);

export const SlaAnswerSchema = Type.Object({
  brandId: Type.String(),
  channel: Nullable(Literals(CHANNELS)),
  ...SlaFiguresSchema.properties,
  previous: SlaFiguresSchema,
  unplaced: UnplacedSchema,
});

export const TimeseriesItemSchema = Type.Object({
  bucketStart: Timestamp('Start of the bucket (UTC hour or UTC day).'),
  needingResponse: Count('Mentions needing a response received in the bucket.'),
  answered: Count('Of those, answered.'),
  responseRate: Share('answered / needingResponse; null when 0.'),
  responseTimeSeconds: Type.Object({ p50: Seconds('Median, seconds.'), p90: Seconds('90th percentile.') }),
});

export const AgentItemSchema = Type.Object({
  agentId: Type.String(),
  answered: Count('Mentions received in the period this agent answered first.'),
  humanReplies: Count('Human replies this agent sent in the period.'),
  responseTimeSeconds: Type.Object({
    mean: Seconds('Mean, seconds.'),
    p50: Seconds('Median, seconds.'),
    p90: Seconds('90th percentile, seconds.'),
  }),
});

export const BacklogItemSchema = Type.Object({
  mentionEventId: Type.String(),
  conversationId: Type.String(),
  messageId: Type.String(),
  authorId: Type.String(),
  channel: Literals(CHANNELS),
  kind: Literals(MENTION_KINDS),
  sentiment: Nullable(Type.Number()),
  followers: Nullable(Type.Integer()),
  receivedAt: Timestamp('When the mention arrived.'),
  ageSeconds: Type.Integer({ description: 'Seconds it has been waiting.' }),
  pastTarget: Type.Boolean({ description: 'Waiting at least the brand SLA target.' }),
  score: Type.Number({ description: 'Urgency: kind + negative sentiment + audience + age against target.' }),
  reasons: Type.Array(Type.String(), { description: 'Why it ranks where it does.' }),
});

export const ChurnReasonSchema = Type.Object({
  signal: Literals([
    'ignored-complaint',
    'ignored-mention',
    'late-answer',
    'timely-answer',
    'negative-sentiment',
  ]),
  weight: Type.Number(),
  contribution: Type.Number({ description: 'weight × intensity × decay now.' }),
  mentionEventId: Type.String(),
  messageId: Type.String(),
  at: Timestamp('When the signal happened.'),
});

export const ChurnItemSchema = Type.Object({
  authorId: Type.String(),
  score: Type.Number({ minimum: 0, maximum: 1 }),
  level: Literals(CHURN_LEVEL_NAMES),
  reasons: Type.Array(ChurnReasonSchema),
});

export const BenchmarkItemSchema = Type.Object({
  industry: Type.String(),
  channel: Nullable(Literals(CHANNELS)),
  brands: Count('Brands contributing on the days counted (at least 5).'),
  needingResponse: Count('Mentions needing a response, all contributing brands.'),
  answered: Count('Of those, answered.'),
  responseRate: Share('Pooled answered / needingResponse.'),
  complaintShare: Share('Complaints / needingResponse.'),
  responseTimeSeconds: Type.Object({ p50: Seconds('Median, seconds.'), p90: Seconds('90th percentile.') }),
  days: Type.Array(Type.String({ format: 'date' }), {
    description:
      'The UTC days counted (YYYY-MM-DD): those of the period with at least 5 contributing brands besides the ' +
      'brands the API key can read.',
  }),
});

export const BrandBenchmarkSchema = Type.Object({
  brandId: Type.String(),
  industry: Nullable(Type.String()),
  from: Timestamp('Start of the period (inclusive), a UTC midnight.'),
  to: Timestamp('End of the period (exclusive), a UTC midnight.'),
  channel: Nullable(Literals(CHANNELS)),
  brand: Type.Object({
    needingResponse: Count('The brand’s mentions needing a response.'),
    answered: Count('Of those, answered.'),
    responseRate: Share('answered / needingResponse.'),
    responseTimeSeconds: Type.Object({ p50: Seconds('Median, seconds.'), p90: Seconds('90th percentile.') }),
  }),
  percentileRank: Type.Object(
    {
      responseRate: Nullable(Type.Number({ description: '0..100, higher is better.' })),
      medianResponseTime: Nullable(Type.Number({ description: '0..100, a faster median ranks higher.' })),
    },
    {
      description: 'Share of industry peers the brand does better than (ties count half); null unpublished.',
    },
  ),
  benchmark: Nullable(BenchmarkItemSchema),
});

export const List = <T extends TSchema>(item: T, paged: boolean) =>
  Type.Object(
    paged
      ? {
          items: Type.Array(item),
          nextCursor: Nullable(
            Type.String({ description: 'Pass as cursor for the next page; null at the end.' }),
          ),
        }
      : { items: Type.Array(item) },
  );

// ---- path parameters (documentation; access.ts holds a brand id to the contract's grammar) ----

export const BrandParams = Type.Object({
  brandId: Type.String({
    minLength: 1,
    maxLength: MAX_ID_LENGTH,
    pattern: BRAND_ID_PATTERN,
    description:
      "The contract's brand id: ASCII letters, digits, '-', '_' and single dots, starting with a letter or digit. " +
      'Any other value is a brand that does not exist (404), like an unknown brand or one the key may not read.',
  }),
});

export const IndustryParams = Type.Object({
  industry: Type.String({ pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: MAX_INDUSTRY_LENGTH }),
});

/** Responses of a route answering JSON or CSV, with the error shapes it can give. */
export function responses(ok: TSchema, options: { brand: boolean }) {
  return {
    200: {
      description: 'JSON by default; CSV (RFC 4180, dotted headers) with Accept: text/csv.',
      content: {
        'application/json': { schema: ok },
        'text/csv': { schema: Type.String() },
      },
    },
    400: { ...ErrorSchema, description: 'A bad parameter, named in error.field.' },
    401: { ...ErrorSchema, description: 'Missing or unknown API key.' },
    403: { ...ErrorSchema, description: 'The key may not read (a write-only key).' },
    ...(options.brand
      ? { 404: { ...ErrorSchema, description: 'No such brand, or not one this key may read.' } }
      : {}),
    429: {
      ...ErrorSchema,
      description:
        'The key’s rate limit is reached, or the client address failed authentication too often (no key is ' +
        'checked from it until its window ends); see Retry-After (seconds).',
    },
  };
}
