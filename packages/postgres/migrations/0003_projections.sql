-- Up Migration
-- The projections folded from the Kafka log. SLA and churn tables live in a schema per generation
-- (sla_g1, churn_g1, …) so that `carestream replay` can rebuild one into a fresh schema and swap it in
-- atomically (projection_generations + the bi_* views); processors and the API set search_path to the
-- active generation inside each transaction.

create table projection_generations (
  projection text primary key check (projection in ('sla', 'churn')),
  active_schema text not null,
  updated_at timestamptz not null default now()
);

-- Brand reference data (BrandProfileSet, log-compacted topic): latest setAt wins.
create table brand_profiles (
  brand_id text primary key,
  name text not null,
  industry text not null,
  timezone text not null,
  business_hours jsonb,
  sla_target_seconds integer not null,
  customer_value double precision,
  own_account_ids text[] not null default '{}',
  set_at timestamptz not null,
  event_id text not null
);
create index brand_profiles_industry on brand_profiles (industry);

create function carestream_create_sla_tables(target text) returns void language plpgsql as $$
begin
  execute format('create schema %I', target);
  -- Hourly buckets per brand × channel × agent ('' = not an agent's: mentions counted, expiries, posts).
  -- Counters are additive (retractions subtract); sketches are mergeable (domain ResponseTimeSketch JSON).
  execute format($t$create table %I.sla_hourly (
    brand_id text not null,
    hour_start timestamptz not null,
    channel text not null,
    agent_id text not null,
    needing_response bigint not null default 0,
    complaints bigint not null default 0,
    answered bigint not null default 0,
    expired bigint not null default 0,
    target_breaches bigint not null default 0,
    within_30m bigint not null default 0,
    within_1h bigint not null default 0,
    within_4h bigint not null default 0,
    within_24h bigint not null default 0,
    response_sum_ms bigint not null default 0,
    business_sum_ms bigint not null default 0,
    business_within_30m bigint not null default 0,
    business_within_1h bigint not null default 0,
    business_within_4h bigint not null default 0,
    business_within_24h bigint not null default 0,
    human_replies bigint not null default 0,
    automated_replies bigint not null default 0,
    brand_posts bigint not null default 0,
    response_sketch jsonb not null,
    business_sketch jsonb not null,
    primary key (brand_id, hour_start, channel, agent_id)
  )$t$, target);
  -- Each conversation's fold state (domain ConversationState), and when it next has an expiry or breach due.
  execute format($t$create table %I.conversations (
    conversation_key text primary key,
    brand_id text not null,
    topic text not null,
    partition integer not null,
    state jsonb not null,
    next_due_at timestamptz
  )$t$, target);
  execute format('create index on %I.conversations (topic, partition, next_due_at) where next_due_at is not null', target);
  -- The backlog: mentions neither answered nor expired, rewritten per conversation after each fold.
  execute format($t$create table %I.open_mentions (
    mention_event_id text primary key,
    conversation_key text not null,
    brand_id text not null,
    channel text not null,
    conversation_id text not null,
    message_id text not null,
    author_id text not null,
    kind text not null,
    sentiment double precision,
    followers bigint,
    private boolean not null,
    received_at timestamptz not null,
    breached_at timestamptz
  )$t$, target);
  execute format('create index on %I.open_mentions (brand_id, received_at)', target);
  execute format('create index on %I.open_mentions (conversation_key)', target);
  -- Event-time watermark of each partition: what expiries are measured against (deterministic on replay).
  execute format($t$create table %I.watermarks (
    topic text not null,
    partition integer not null,
    watermark timestamptz not null,
    primary key (topic, partition)
  )$t$, target);
  -- Brand posts already counted (BrandPostPublished has no conversation state to deduplicate it).
  execute format('create table %I.seen_brand_posts (event_id text primary key)', target);
  -- This generation's Kafka offsets: they move with its data when a replayed generation is swapped in.
  execute format('create table %I.processor_offsets (like public.processor_offsets including all)', target);
  -- Derived events written in the same transaction as the changes that caused them, published by a relay.
  execute format($t$create table %I.derived_outbox (
    id bigserial primary key,
    message_key text not null,
    payload jsonb not null
  )$t$, target);
end $$;

create function carestream_create_churn_tables(target text) returns void language plpgsql as $$
begin
  execute format('create schema %I', target);
  -- A customer's churn signals: one outcome (ignored, late, timely) and one sentiment slot per mention.
  execute format($t$create table %I.churn_signals (
    brand_id text not null,
    author_id text not null,
    mention_event_id text not null,
    slot text not null check (slot in ('outcome', 'sentiment')),
    kind text not null,
    intensity double precision not null,
    message_id text not null,
    at timestamptz not null,
    primary key (brand_id, author_id, mention_event_id, slot)
  )$t$, target);
  execute format('create index on %I.churn_signals (brand_id, author_id)', target);
  execute format('create table %I.processor_offsets (like public.processor_offsets including all)', target);
end $$;

-- Industry benchmarks per industry × channel ('' = all channels) × day, recomputed from the SLA buckets.
create table industry_benchmarks (
  industry text not null,
  channel text not null,
  day date not null,
  brands integer not null,
  needing_response bigint not null,
  answered bigint not null,
  response_rate double precision,
  complaint_share double precision,
  p50_seconds double precision,
  p90_seconds double precision,
  published boolean not null,
  primary key (industry, channel, day)
);

-- Read-only views for BI users, pointing at the active generations (recreated by every swap).
create function carestream_point_bi_views() returns void language plpgsql as $$
declare
  sla text := (select active_schema from projection_generations where projection = 'sla');
  churn text := (select active_schema from projection_generations where projection = 'churn');
begin
  execute format($v$create or replace view bi_sla_hourly as
    select brand_id, hour_start, channel, nullif(agent_id, '') as agent_id, needing_response, complaints, answered,
           expired, target_breaches, within_30m, within_1h, within_4h, within_24h,
           response_sum_ms / 1000.0 as response_sum_seconds, business_sum_ms / 1000.0 as business_sum_seconds, human_replies, automated_replies, brand_posts
      from %I.sla_hourly$v$, sla);
  execute format($v$create or replace view bi_open_mentions as
    select brand_id, channel, conversation_id, message_id, author_id, kind, sentiment, followers, private,
           received_at, breached_at
      from %I.open_mentions$v$, sla);
  execute format($v$create or replace view bi_churn_signals as
    select brand_id, author_id, mention_event_id, slot, kind, intensity, message_id, at
      from %I.churn_signals$v$, churn);
  execute $v$create or replace view bi_brand_profiles as
    select brand_id, name, industry, timezone, sla_target_seconds, customer_value from brand_profiles$v$;
  execute $v$create or replace view bi_industry_benchmarks as
    select industry, nullif(channel, '') as channel, day, brands, needing_response, answered, response_rate,
           complaint_share, p50_seconds, p90_seconds
      from industry_benchmarks where published$v$;
  if exists (select 1 from pg_roles where rolname = 'carestream_bi') then
    execute 'grant select on bi_sla_hourly, bi_open_mentions, bi_churn_signals, bi_brand_profiles, bi_industry_benchmarks to carestream_bi';
  end if;
end $$;

select carestream_create_sla_tables('sla_g1');
select carestream_create_churn_tables('churn_g1');
insert into projection_generations (projection, active_schema) values ('sla', 'sla_g1'), ('churn', 'churn_g1');
select carestream_point_bi_views();

-- Down Migration
drop view if exists bi_sla_hourly, bi_open_mentions, bi_churn_signals, bi_brand_profiles, bi_industry_benchmarks;
drop table industry_benchmarks, brand_profiles, projection_generations;
drop schema sla_g1 cascade;
drop schema churn_g1 cascade;
drop function carestream_point_bi_views, carestream_create_sla_tables, carestream_create_churn_tables;
