-- Up Migration
-- Processors v2: fewer statements, no rows shared between concurrent transactions.
--
-- Churn signals are written by the SLA processor, in the same transaction as the SLA changes they come from.
-- Before, the SLA processor wrote each change to an outbox, a relay published it to the sla-derived topic and a
-- churn processor folded it into a projection of its own: that path cost about a third of the processors' CPU
-- and of PostgreSQL's statement time. Now:
-- - every SLA generation has the churn_signals table, and no derived_outbox;
-- - the live churn signals move into the active SLA generation, and the churn generations go;
-- - projection_generations has one projection, sla, and bi_churn_signals reads the SLA generation.
-- Derived events still waiting in an outbox are not carried over: an installation that stopped its processors
-- with a non-empty outbox (carestream_outbox_pending > 0) rebuilds exactly with `carestream replay sla`.
--
-- Hourly buckets are no longer updated by the batches themselves: a batch appends its bucket deltas to
-- sla_hourly_deltas (insert only: no row is shared with another partition's or instance's transaction, so
-- none waits on another), and one compactor at a time per generation folds them into sla_hourly and into
-- sla_daily (the same buckets per UTC day, so a question over weeks reads days, not hours). Readers see the
-- deltas not folded yet too (the sla_buckets view: sla_hourly union all the deltas), so figures are exact the
-- moment a batch commits. Existing hourly rows are moved into the deltas, and the compactor folds them into
-- both tables.

create function carestream_add_churn_signals(target text) returns void language plpgsql as $$
begin
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
  execute format('drop table %I.derived_outbox', target);
end $$;

create function carestream_add_bucket_deltas(target text) returns void language plpgsql as $$
declare
  columns text;
begin
  execute format('create table %I.sla_hourly_deltas (id bigserial primary key, like %I.sla_hourly including defaults)', target, target);
  -- A delta without response times carries no sketches.
  execute format('alter table %I.sla_hourly_deltas alter column response_sketch drop not null, alter column business_sketch drop not null', target);
  execute format('create index on %I.sla_hourly_deltas (brand_id, hour_start)', target);
  select string_agg(quote_ident(attname), ', ' order by attnum) into columns
    from pg_attribute where attrelid = format('%I.sla_hourly', target)::regclass and attnum > 0 and not attisdropped;
  execute format('create view %I.sla_buckets as select %s from %I.sla_hourly union all select %s from %I.sla_hourly_deltas',
    target, columns, target, columns, target);
  execute format('create table %I.sla_daily (like %I.sla_hourly including all)', target, target);
  execute format('alter table %I.sla_daily rename column hour_start to day_start', target);
  execute format('insert into %I.sla_hourly_deltas (%s) select %s from %I.sla_hourly', target, columns, columns, target);
  execute format('delete from %I.sla_hourly', target);
end $$;

alter function carestream_create_sla_tables(text) rename to carestream_create_sla_tables_0005;
create function carestream_create_sla_tables(target text) returns void language plpgsql as $$
begin
  perform carestream_create_sla_tables_0005(target);
  perform carestream_add_churn_signals(target);
  perform carestream_add_bucket_deltas(target);
end $$;

do $$
declare
  generation text;
  churn text := (select active_schema from projection_generations where projection = 'churn');
  sla text := (select active_schema from projection_generations where projection = 'sla');
begin
  for generation in select nspname from pg_namespace where nspname ~ '^sla_g[0-9]+$' loop
    perform carestream_add_churn_signals(generation);
    perform carestream_add_bucket_deltas(generation);
  end loop;
  if churn is not null then
    execute format('insert into %I.churn_signals select * from %I.churn_signals', sla, churn);
  end if;
end $$;

delete from projection_generations where projection = 'churn';
alter table projection_generations drop constraint projection_generations_projection_check,
  add constraint projection_generations_projection_check check (projection = 'sla');

create or replace function carestream_point_bi_views() returns void language plpgsql as $$
declare
  sla text := (select active_schema from projection_generations where projection = 'sla');
begin
  execute format($v$create or replace view bi_sla_hourly as
    select brand_id, hour_start, channel, nullif(agent_id, '') as agent_id,
           sum(needing_response)::bigint as needing_response, sum(complaints)::bigint as complaints,
           sum(answered)::bigint as answered, sum(expired)::bigint as expired,
           sum(target_breaches)::bigint as target_breaches, sum(within_30m)::bigint as within_30m,
           sum(within_1h)::bigint as within_1h, sum(within_4h)::bigint as within_4h,
           sum(within_24h)::bigint as within_24h, sum(response_sum_ms) / 1000.0 as response_sum_seconds,
           sum(business_sum_ms) / 1000.0 as business_sum_seconds, sum(human_replies)::bigint as human_replies,
           sum(automated_replies)::bigint as automated_replies, sum(brand_posts)::bigint as brand_posts
      from %I.sla_buckets group by brand_id, hour_start, channel, agent_id$v$, sla);
  execute format($v$create or replace view bi_open_mentions as
    select brand_id, channel, conversation_id, message_id, author_id, kind, sentiment, followers, private,
           received_at, breached_at
      from %I.open_mentions$v$, sla);
  execute format($v$create or replace view bi_churn_signals as
    select brand_id, author_id, mention_event_id, slot, kind, intensity, message_id, at
      from %I.churn_signals$v$, sla);
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
select carestream_point_bi_views();

do $$
declare
  generation text;
begin
  for generation in select nspname from pg_namespace where nspname ~ '^churn_g[0-9]+$' loop
    execute format('drop schema %I cascade', generation);
  end loop;
end $$;
drop function carestream_create_churn_tables(text);

-- Down Migration
-- Not reversible: the churn generations and the outbox are gone; restore a backup taken before upgrading.
do $$ begin raise exception 'migration 0006 (churn in the SLA transaction) cannot be undone'; end $$;
