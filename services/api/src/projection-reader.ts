import { DAY_MS, type Channel, type MentionKind } from '@carestream/contract';
import {
  ALL_CHANNELS,
  BrandRulesHistory,
  nextUtcWeekStart,
  UNPROFILED_RULES,
  ResponseTimeSketch,
  utcWeekStart,
  SLA_COUNTER_COLUMNS,
  type ChurnSignal,
  type ChurnSignalKind,
  type SlaBucket,
} from '@carestream/domain';
import { CareError } from '@carestream/errors';
import {
  databaseUnavailable,
  isDatabaseUnavailable,
  readBrandRules,
  summedSketches,
  type Pool,
  type PoolClient,
} from '@carestream/postgres';
import { createHash } from 'node:crypto';
import type { Period } from './query-params.ts';

/**
 * Reads the projections the processors keep (migrations 0003–0006). The SLA projection's tables (figures,
 * backlog, churn signals) live in a schema per generation; the active one is read from projection_generations inside the same read-only, repeatable-read
 * transaction as the figures, so a request never mixes two generations or two moments of the fold.
 */

const AGGREGATES = [
  ...SLA_COUNTER_COLUMNS.map(([, column]) => `coalesce(sum(${column}), 0) as ${column}`),
  `${summedSketches('response_sketch')} as response_sketches`,
  `${summedSketches('business_sketch')} as business_sketches`,
].join(',\n  ');

/** What a series of hours reads per bucket: two counters and the response times. */
const SERIES_AGGREGATES = [
  'coalesce(sum(needing_response), 0) as needing_response',
  'coalesce(sum(answered), 0) as answered',
  `${summedSketches('response_sketch')} as response_sketches`,
].join(',\n  ');

/**
 * The same for a series of days: a day read from one daily totals row alone comes with its stored quantiles and
 * no sketch; a day with other rows (hours at the period's edges, deltas not folded yet) with the sketches.
 */
const ONE_STORED_ROW = 'count(*) = 1 and bool_and(precomputed)';
const DAILY_SERIES_AGGREGATES = [
  'coalesce(sum(needing_response), 0) as needing_response',
  'coalesce(sum(answered), 0) as answered',
  `${ONE_STORED_ROW} as precomputed`,
  'max(response_p50) as response_p50',
  'max(response_p90) as response_p90',
  `case when ${ONE_STORED_ROW} then ''::bytea else ${summedSketches('response_sketch')} end as response_sketches`,
].join(',\n  ');

/** A bucket of a series (`slaByBucket`): what the series shows. */
export interface SeriesBucket {
  readonly needingResponse: number;
  readonly answered: number;
  readonly p50: number | null;
  readonly p90: number | null;
}

/** A group's sums: counters as PostgreSQL's numeric text, sketches as the stored sketches concatenated. */
type AggregateRow = Record<string, unknown> & {
  response_sketches: Buffer;
  business_sketches: Buffer;
};

/** A group's bucket; each sketch is summed when first read (a series of days reads only the response times). */
function bucketOf(row: AggregateRow): SlaBucket {
  const bucket = Object.fromEntries(
    SLA_COUNTER_COLUMNS.map(([field, column]) => [field, Number(row[column])]),
  ) as Record<(typeof SLA_COUNTER_COLUMNS)[number][0], number>;
  let response: ResponseTimeSketch | undefined;
  let business: ResponseTimeSketch | undefined;
  return Object.defineProperties(bucket, {
    responseSketch: {
      enumerable: true,
      get: () => (response ??= ResponseTimeSketch.sumEncoded(row.response_sketches)),
    },
    businessSketch: {
      enumerable: true,
      get: () => (business ??= ResponseTimeSketch.sumEncoded(row.business_sketches)),
    },
  }) as SlaBucket;
}

const COUNTERS_AND_SKETCHES = `${SLA_COUNTER_COLUMNS.map(([, column]) => column).join(', ')}, response_sketch, business_sketch`;
const BUCKET_COLUMNS = `brand_id, channel, agent_id, ${COUNTERS_AND_SKETCHES}`;

/** A daily totals row's stored quantiles, and the same columns from rows that have none (DailySource.quantiles). */
const STORED_QUANTILES = 'true as precomputed, response_p50, response_p90';
const NO_QUANTILES = 'false as precomputed, null::float8 as response_p50, null::float8 as response_p90';

/** The totals rows' channel over all channels, as an SQL literal (a parameter the statement may not use fails). */
const ALL_CHANNELS_SQL = `'${ALL_CHANNELS.replaceAll("'", "''")}'`;

/**
 * Where a period's whole days are read from: a brand's daily totals (agents summed; `channel` '' for all of its
 * channels), or the daily rows per channel × agent when the question is about agents. `where` filters that
 * table; the hourly sources get the caller's own filter.
 */
export type DailySource =
  | {
      readonly table: 'sla_daily_totals';
      readonly where: string;
      /** Whole UTC weeks from the weekly totals (questions that do not group by day). */
      readonly weeks: boolean;
      /**
       * Every source also gives `precomputed, response_p50, response_p90`: a day's stored quantiles from the daily
       * totals (true), nulls from the others (false). For daily series.
       */
      readonly quantiles?: boolean;
    }
  | { readonly table: 'sla_daily'; readonly where: string };

/**
 * The row sources of one period, as `select`s to join with `union all`: its whole UTC weeks from the weekly
 * totals when `daily.weeks`, its other whole UTC days from `daily`, the
 * hours before the first and after the last whole day from the hourly rows (two index ranges, so a month's
 * question does not walk its hourly rows only to leave them out), and the deltas the compactor has not folded
 * yet, hour by hour (the compactor moves a delta into every table in one transaction, so a snapshot counts each
 * once). `param` adds a value to the statement's parameters and gives its placeholder; `where` filters the
 * hourly rows and deltas by brand, channel and so on. With `daily` null, hourly rows only (hourly groupings).
 * Every source gives brand_id, hour_start, channel, agent_id ('' in the totals), the counters and sketches.
 */
export function periodSources(
  sla: string,
  period: Period,
  where: string,
  param: (value: unknown) => string,
  daily: DailySource | null,
): string[] {
  const { fromMs, toMs } = period;
  const firstDay = Math.ceil(fromMs / DAY_MS) * DAY_MS;
  const endDay = Math.floor(toMs / DAY_MS) * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  const quantiles = daily?.table === 'sla_daily_totals' && daily.quantiles === true;
  const none = quantiles ? `, ${NO_QUANTILES}` : '';
  const hourly = (startMs: number, endMs: number) =>
    `select hour_start, ${BUCKET_COLUMNS}${none} from ${sla}.sla_hourly
        where ${where} and hour_start >= ${param(iso(startMs))} and hour_start < ${param(iso(endMs))}`;
  const deltas = `select hour_start, ${BUCKET_COLUMNS}${none} from ${sla}.sla_hourly_deltas
        where ${where} and hour_start >= ${param(iso(fromMs))} and hour_start < ${param(iso(toMs))}`;
  if (daily === null || firstDay >= endDay) return [hourly(fromMs, toMs), deltas];
  const parts: string[] = [];
  if (fromMs < firstDay) parts.push(hourly(fromMs, firstDay));
  const agent = daily.table === 'sla_daily' ? 'agent_id' : `''::text as agent_id`;
  const days = (startMs: number, endMs: number) =>
    `select day_start as hour_start, brand_id, channel, ${agent}, ${COUNTERS_AND_SKETCHES}${quantiles ? `, ${STORED_QUANTILES}` : ''}
       from ${sla}.${daily.table}
        where ${daily.where} and day_start >= ${param(iso(startMs))} and day_start < ${param(iso(endMs))}`;
  const firstWeek = nextUtcWeekStart(firstDay);
  const endWeek = utcWeekStart(endDay);
  if (daily.table === 'sla_daily_totals' && daily.weeks && firstWeek < endWeek) {
    if (firstDay < firstWeek) parts.push(days(firstDay, firstWeek));
    parts.push(
      `select week_start as hour_start, brand_id, channel, ''::text as agent_id, ${COUNTERS_AND_SKETCHES}${none}
         from ${sla}.sla_weekly_totals
        where ${daily.where} and week_start >= ${param(iso(firstWeek))} and week_start < ${param(iso(endWeek))}`,
    );
    if (endWeek < endDay) parts.push(days(endWeek, endDay));
  } else {
    parts.push(days(firstDay, endDay));
  }
  if (endDay < toMs) parts.push(hourly(endDay, toMs));
  parts.push(deltas);
  return parts;
}

/** A query config that runs as a named (prepared) statement: parsed and planned once per connection. */
const statementNames = new Map<string, string>();
export function prepared(
  text: string,
  values: readonly unknown[],
): { name: string; text: string; values: unknown[] } {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `api_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    // Statement texts vary with the schema and the query's shape only; the map stays small, bounded anyway.
    if (statementNames.size < 10_000) statementNames.set(text, name);
  }
  return { name, text, values: [...values] };
}

/** What `GET /sla` reads: the brand, and its totals and open mentions over the period and the one before. */
export interface SlaQuestionRows {
  readonly exists: boolean;
  readonly profile: BrandProfile | null;
  readonly current: { readonly bucket: SlaBucket; readonly open: number };
  readonly previous: { readonly bucket: SlaBucket; readonly open: number };
  readonly unplaced: { readonly olderThanRetention: number };
}

interface ProfileColumns {
  industry: string | null;
  timezone: string | null;
  sla_target_seconds: number | null;
  business_hours: unknown;
}

function profileOf(brandId: string, row: ProfileColumns): BrandProfile | null {
  return row.industry === null
    ? null
    : {
        brandId,
        industry: row.industry,
        timezone: row.timezone ?? 'UTC',
        slaTargetSeconds: row.sla_target_seconds ?? 0,
        keepsBusinessHours: Array.isArray(row.business_hours) && row.business_hours.length > 0,
      };
}

export interface BrandProfile {
  readonly brandId: string;
  readonly industry: string;
  readonly timezone: string;
  readonly slaTargetSeconds: number;
  readonly keepsBusinessHours: boolean;
}

export interface OpenMention {
  readonly mentionEventId: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly authorId: string;
  readonly channel: Channel;
  readonly kind: MentionKind;
  readonly sentiment: number | null;
  readonly followers: number | null;
  readonly receivedAt: number;
}

export interface SlaFilter {
  readonly period: Period;
  readonly channel: Channel | null;
}

/** One snapshot of the projections: every query of a request runs on it. */
export class ProjectionSnapshot {
  constructor(
    private readonly client: PoolClient,
    private readonly slaSchema: string,
  ) {}

  private get sla(): string {
    return quoteIdent(this.slaSchema);
  }

  /** Name and industry of the given brands' profiles, or of every profiled brand when `brandIds` is null. */
  async profiledBrands(
    brandIds: readonly string[] | null,
  ): Promise<{ brandId: string; name: string; industry: string }[]> {
    const { rows } = await this.client.query<{ brand_id: string; name: string; industry: string }>(
      `select brand_id, name, industry from brand_profiles
        ${brandIds === null ? '' : 'where brand_id = any($1::text[])'}`,
      brandIds === null ? [] : [brandIds],
    );
    return rows.map((row) => ({ brandId: row.brand_id, name: row.name, industry: row.industry }));
  }

  /** The brand's profile, or null; `exists` is false when it has neither a profile nor any SLA data. */
  async brand(brandId: string): Promise<{ exists: boolean; profile: BrandProfile | null }> {
    const { rows } = await this.client.query<{
      industry: string | null;
      timezone: string | null;
      sla_target_seconds: number | null;
      business_hours: unknown;
      has_data: boolean;
    }>(
      `select p.industry, p.timezone, p.sla_target_seconds, p.business_hours,
              exists (select 1 from ${this.sla}.sla_buckets where brand_id = $1) as has_data
         from (select 1) as one left join brand_profiles p on p.brand_id = $1`,
      [brandId],
    );
    const row = rows[0];
    if (!row) return { exists: false, profile: null };
    const profile = profileOf(brandId, row);
    return { exists: profile !== null || row.has_data, profile };
  }

  /** The brand's buckets summed over `filter`. */
  async slaTotals(brandId: string, filter: SlaFilter): Promise<SlaBucket> {
    const [row] = await this.aggregate([brandId], filter, null, 'brand');
    return bucketOf(row as AggregateRow);
  }

  /**
   * Summed buckets keyed by the start (epoch ms) of each UTC hour or day that has rows: only what a series shows
   * (a 90-day series is 90 rows; every counter and a second sketch per row measured ~half of the API's work).
   */
  async slaByBucket(
    brandId: string,
    filter: SlaFilter,
    granularity: 'hour' | 'day',
  ): Promise<Map<number, SeriesBucket>> {
    const rows =
      granularity === 'hour'
        ? await this.aggregate(
            [brandId],
            filter,
            `(extract(epoch from hour_start) * 1000)::bigint`,
            'hours',
            SERIES_AGGREGATES,
          )
        : await this.aggregate(
            [brandId],
            filter,
            `(extract(epoch from date_trunc('day', hour_start, 'UTC')) * 1000)::bigint`,
            'day-series',
            DAILY_SERIES_AGGREGATES,
          );
    return new Map(
      rows.map((row) => {
        // A day read from its totals row alone comes with its stored quantiles; otherwise from the sketches.
        const sketch = row.precomputed === true ? null : ResponseTimeSketch.sumEncoded(row.response_sketches);
        const bucket: SeriesBucket = {
          needingResponse: Number(row.needing_response),
          answered: Number(row.answered),
          p50: sketch ? sketch.quantile(0.5) : (row.response_p50 as number | null),
          p90: sketch ? sketch.quantile(0.9) : (row.response_p90 as number | null),
        };
        return [Number(row.grp), bucket];
      }),
    );
  }

  /** Summed buckets per agent (rows credited to an agent only). */
  async slaByAgent(brandId: string, filter: SlaFilter): Promise<Map<string, SlaBucket>> {
    const rows = await this.aggregate([brandId], filter, 'agent_id', 'agents');
    return new Map(rows.map((row) => [row.grp as string, bucketOf(row)]));
  }

  /** Summed buckets per brand × channel × UTC day (start, epoch ms) for the given brands. */
  async slaByBrandChannelDay(
    brandIds: readonly string[],
    filter: SlaFilter,
  ): Promise<{ brandId: string; channel: Channel; dayMs: number; bucket: SlaBucket }[]> {
    if (brandIds.length === 0) return [];
    const rows = await this.aggregate(
      brandIds,
      filter,
      `brand_id || '/' || channel || '/' || (extract(epoch from date_trunc('day', hour_start, 'UTC')) * 1000)::bigint`,
      'channels',
    );
    return rows.map((row) => {
      // Channels and days hold no '/', brand ids may: the brand is what is left of the two last parts.
      const key = row.grp as string;
      const daySlash = key.lastIndexOf('/');
      const channelSlash = key.lastIndexOf('/', daySlash - 1);
      return {
        brandId: key.slice(0, channelSlash),
        channel: key.slice(channelSlash + 1, daySlash) as Channel,
        dayMs: Number(key.slice(daySlash + 1)),
        bucket: bucketOf(row),
      };
    });
  }

  /**
   * Sums the buckets of `filter` (grouped by `groupBy`, an expression over brand_id, hour_start, channel and
   * agent_id) from periodSources. `rows` says which rows answer: the brand's ('brand': daily totals over its
   * channels, or the filter's channel; 'day-series' the same with each day's stored quantiles), its channels'
   * ('channels', for groupings by channel), its agents'
   * ('agents': rows credited to an agent), or hourly rows only ('hours', hourly groupings).
   */
  private async aggregate(
    brandIds: readonly string[],
    filter: SlaFilter,
    groupBy: string | null,
    rows: 'brand' | 'day-series' | 'channels' | 'agents' | 'hours',
    aggregates = AGGREGATES,
  ): Promise<(AggregateRow & { grp: unknown })[]> {
    const params: unknown[] = [brandIds];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const brands = 'brand_id = any($1::text[])';
    const channel = filter.channel === null ? null : `channel = ${param(filter.channel)}`;
    const agents = rows === 'agents' ? `agent_id <> ''` : null;
    const where = [brands, channel, agents].filter((part) => part !== null).join(' and ');
    const daily: DailySource | null =
      rows === 'hours'
        ? null
        : rows === 'agents'
          ? { table: 'sla_daily', where }
          : {
              table: 'sla_daily_totals',
              weeks: groupBy === null,
              quantiles: rows === 'day-series',
              where: `${brands} and ${channel ?? (rows === 'channels' ? `channel <> ${ALL_CHANNELS_SQL}` : `channel = ${ALL_CHANNELS_SQL}`)}`,
            };
    const parts = periodSources(this.sla, filter.period, where, param, daily);
    const { rows: found } = await this.client.query<AggregateRow & { grp: unknown }>(
      prepared(
        `select ${groupBy ?? 'null'} as grp,
  ${aggregates}
  from (${parts.join('\n union all ')}) as buckets
 ${groupBy === null ? '' : `group by 1`}`,
        params,
      ),
    );
    return found;
  }

  /** Events of the brand the SLA processor could not place, by reason (over all time). */
  async unplacedEvents(brandId: string): Promise<{ olderThanRetention: number }> {
    const { rows } = await this.client.query<{ reason: string; events: string }>(
      `select reason, events from ${this.sla}.unplaced_events where brand_id = $1`,
      [brandId],
    );
    const of = (reason: string) => Number(rows.find((row) => row.reason === reason)?.events ?? 0);
    return { olderThanRetention: of('older-than-retention') };
  }

  /** Mentions received in `filter` that are still open now. */
  async openCount(brandId: string, filter: SlaFilter): Promise<number> {
    const params: unknown[] = [
      brandId,
      new Date(filter.period.fromMs).toISOString(),
      new Date(filter.period.toMs).toISOString(),
    ];
    let channelCondition = '';
    if (filter.channel !== null) {
      params.push(filter.channel);
      channelCondition = 'and channel = $4';
    }
    const { rows } = await this.client.query<{ open: number }>(
      `select count(*)::bigint as open from ${this.sla}.open_mentions
        where brand_id = $1 and received_at >= $2 and received_at < $3 ${channelCondition}`,
      params,
    );
    return Number(rows[0]?.open ?? 0);
  }

  async openMentions(brandId: string, channel: Channel | null): Promise<OpenMention[]> {
    const { rows } = await this.client.query<{
      mention_event_id: string;
      conversation_id: string;
      message_id: string;
      author_id: string;
      channel: Channel;
      kind: MentionKind;
      sentiment: number | null;
      followers: number | null;
      received_at: Date;
    }>(
      `select mention_event_id, conversation_id, message_id, author_id, channel, kind, sentiment, followers, received_at
         from ${this.sla}.open_mentions
        where brand_id = $1 ${channel === null ? '' : 'and channel = $2'}`,
      channel === null ? [brandId] : [brandId, channel],
    );
    return rows.map((row) => ({
      mentionEventId: row.mention_event_id,
      conversationId: row.conversation_id,
      messageId: row.message_id,
      authorId: row.author_id,
      channel: row.channel,
      kind: row.kind,
      sentiment: row.sentiment,
      followers: row.followers === null ? null : Number(row.followers),
      receivedAt: row.received_at.getTime(),
    }));
  }

  /**
   * The brand's profile versions as the SLA fold keeps them: the rules in force at any instant (a backlog
   * mention is judged by the target of its own time, as its figures are).
   */
  async brandRules(brandId: string): Promise<BrandRulesHistory> {
    const versions = await readBrandRules(this.client, `${this.sla}.brand_rules`, [brandId]);
    return new BrandRulesHistory(versions.get(brandId) ?? [], UNPROFILED_RULES);
  }

  /** Every customer's churn signals for the brand. */
  async churnSignals(brandId: string): Promise<Map<string, ChurnSignal[]>> {
    const { rows } = await this.client.query<{
      author_id: string;
      mention_event_id: string;
      kind: ChurnSignalKind;
      intensity: number;
      message_id: string;
      at: Date;
    }>(
      `select author_id, mention_event_id, kind, intensity, message_id, at
         from ${this.sla}.churn_signals where brand_id = $1`,
      [brandId],
    );
    const byAuthor = new Map<string, ChurnSignal[]>();
    for (const row of rows) {
      const signals = byAuthor.get(row.author_id) ?? [];
      signals.push({
        kind: row.kind,
        intensity: row.intensity,
        evidence: { mentionEventId: row.mention_event_id, messageId: row.message_id, at: row.at.getTime() },
      });
      byAuthor.set(row.author_id, signals);
    }
    return byAuthor;
  }

  /** brandId → industry, for every brand with a profile (optionally one industry only). */
  async industries(industry: string | null): Promise<Map<string, string>> {
    const { rows } = await this.client.query<{ brand_id: string; industry: string }>(
      `select brand_id, industry from brand_profiles ${industry === null ? '' : 'where industry = $1'}`,
      industry === null ? [] : [industry],
    );
    return new Map(rows.map((row) => [row.brand_id, row.industry]));
  }
}

const ACTIVE_SLA_SCHEMA = `select active_schema from projection_generations where projection = 'sla'`;

export class ProjectionReader {
  /** The active SLA generation last seen: statements that read it in one go check it in the same snapshot. */
  private slaSchema: string | null = null;

  constructor(private readonly pool: Pool) {}

  /** Runs `fn` on one consistent, read-only snapshot of the active projection generations. */
  async read<T>(fn: (snapshot: ProjectionSnapshot) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      try {
        // One round trip: the transaction starts, and its snapshot names the active generation.
        const results = (await client.query(
          `begin isolation level repeatable read read only; ${ACTIVE_SLA_SCHEMA}`,
        )) as unknown as { rows: { active_schema: string }[] }[];
        const schema = activeSchemaOf(results[1]?.rows[0]?.active_schema);
        const result = await fn(new ProjectionSnapshot(client, schema));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Everything `GET /sla` reads, in one statement (one snapshot, no transaction to open and close): whether the
   * brand exists and its profile, its totals and open mentions over `period` and over `previous`, and its
   * unplaced events. The statement names the generation it read beside the figures; when that is no longer the
   * active one (a replay swapped generations), it is asked again of the active one.
   */
  async slaQuestion(
    brandId: string,
    period: Period,
    previous: Period,
    channel: Channel | null,
  ): Promise<SlaQuestionRows> {
    return this.withClient(async (client) => {
      for (let attempt = 0; ; attempt += 1) {
        const schema = this.slaSchema ?? (this.slaSchema = await this.activeSlaSchema(client));
        let rows: (AggregateRow & SlaQuestionMeta)[];
        try {
          ({ rows } = await client.query<AggregateRow & SlaQuestionMeta>(
            slaQuestionStatement(schema, brandId, period, previous, channel),
          ));
        } catch (error) {
          // The generation read was dropped after a swap: ask again of the active one.
          if (attempt < 2 && isUndefinedRelation(error)) {
            this.slaSchema = null;
            continue;
          }
          throw error;
        }
        const [current, before] = [rows.find((row) => row.part === 0), rows.find((row) => row.part === 1)];
        if (!current || !before)
          throw new CareError('CARE_ERR_INTERNAL', 'the /sla statement gave no totals');
        if (current.active_schema !== schema) {
          this.slaSchema = activeSchemaOf(current.active_schema);
          if (attempt < 2) continue;
          throw new CareError('CARE_ERR_INTERNAL', 'the active sla generation kept changing while reading');
        }
        const profile = current.profile === null ? null : profileOf(brandId, current.profile);
        return {
          exists: profile !== null || current.has_data === true,
          profile,
          current: { bucket: bucketOf(current), open: Number(current.open) },
          previous: { bucket: bucketOf(before), open: Number(before.open) },
          unplaced: { olderThanRetention: Number(current.unplaced ?? 0) },
        };
      }
    });
  }

  private async activeSlaSchema(client: PoolClient): Promise<string> {
    const { rows } = await client.query<{ active_schema: string }>(ACTIVE_SLA_SCHEMA);
    return activeSchemaOf(rows[0]?.active_schema);
  }

  private async withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw databaseUnavailable(error, 'the projections database');
    });
    try {
      return await fn(client);
    } catch (error) {
      // Lost or refused connections, server shutting down, too many clients: a 503 with Retry-After.
      throw isDatabaseUnavailable(error) ? databaseUnavailable(error, 'the projections database') : error;
    } finally {
      client.release();
    }
  }
}

interface SlaQuestionMeta {
  part: number;
  open: string;
  active_schema: string | null;
  profile: ProfileColumns | null;
  has_data: boolean | null;
  unplaced: string | null;
}

function activeSchemaOf(schema: string | null | undefined): string {
  if (!schema) {
    // An operator's to fix (the client gets a 500 that says only "internal error"; the log says this).
    throw new CareError(
      'CARE_ERR_CONFIG',
      'projection_generations has no active sla schema; run the migrations',
    );
  }
  return schema;
}

function isUndefinedRelation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '42P01' || code === '3F000';
}

/**
 * The one statement of `GET /sla`: row 0 holds the period's totals with the brand's profile, whether it has any
 * data, its unplaced events and the active generation; row 1 the previous period's totals. Both rows count the
 * open mentions of their period.
 */
export function slaQuestionStatement(
  slaSchema: string,
  brandId: string,
  period: Period,
  previous: Period,
  channel: Channel | null,
): { name: string; text: string; values: unknown[] } {
  const sla = quoteIdent(slaSchema);
  const params: unknown[] = [brandId];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const channelParam = channel === null ? null : param(channel);
  const where = channelParam === null ? 'brand_id = $1' : `brand_id = $1 and channel = ${channelParam}`;
  // The brand's daily totals over all of its channels, or over the one asked.
  const daily: DailySource = {
    table: 'sla_daily_totals',
    weeks: true,
    where: `brand_id = $1 and channel = ${channelParam ?? ALL_CHANNELS_SQL}`,
  };
  const open = (p: Period) =>
    `(select count(*) from ${sla}.open_mentions where ${where}
        and received_at >= ${param(new Date(p.fromMs).toISOString())} and received_at < ${param(new Date(p.toMs).toISOString())})`;
  const totals = (p: Period) =>
    `${AGGREGATES} from (${periodSources(sla, p, where, param, daily).join('\n union all ')}) as buckets`;
  const text = `select 0 as part, ${open(period)} as open,
  (${ACTIVE_SLA_SCHEMA}) as active_schema,
  (select to_jsonb(p) from (select industry, timezone, sla_target_seconds, business_hours
                             from brand_profiles where brand_id = $1) as p) as profile,
  exists (select 1 from ${sla}.sla_buckets where brand_id = $1) as has_data,
  (select events from ${sla}.unplaced_events where brand_id = $1 and reason = 'older-than-retention') as unplaced,
  ${totals(period)}
union all
select 1, ${open(previous)}, null, null, null, null,
  ${totals(previous)}`;
  return prepared(text, params);
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
