-- Up Migration
-- Exact figures in any arrival order. The SLA projection keeps, per generation:
-- - brand_rules: every version of every brand's profile (what the SLA figures need of it), so an interaction is
--   judged by the profile in force at its own time, whichever topic was read first;
-- - unplaced_events: per brand and reason, the events a processor could not place (older than the retention
--   window behind the conversation's newest event), so none is dropped in silence;
-- - an index of conversations by brand, to revise a brand's conversations when its profile changes.
-- Conversation states now hold the facts themselves (domain ConversationState: every mention and reply of the
-- retention window); a generation folded by an earlier version must be rebuilt: `carestream replay sla`.

create function carestream_add_exact_order_tables(target text) returns void language plpgsql as $$
begin
  execute format($t$create table %I.brand_rules (
    brand_id text not null,
    event_id text not null,
    set_at timestamptz not null,
    sla_target_ms bigint not null,
    own_account_ids text[] not null,
    timezone text not null,
    business_hours jsonb,
    primary key (brand_id, event_id)
  )$t$, target);
  execute format($t$create table %I.unplaced_events (
    brand_id text not null,
    reason text not null,
    events bigint not null,
    last_event_id text not null,
    last_seen_at timestamptz not null,
    primary key (brand_id, reason)
  )$t$, target);
  execute format('create index on %I.conversations (brand_id, conversation_key)', target);
end $$;

alter function carestream_create_sla_tables(text) rename to carestream_create_sla_tables_0004;
create function carestream_create_sla_tables(target text) returns void language plpgsql as $$
begin
  perform carestream_create_sla_tables_0004(target);
  perform carestream_add_exact_order_tables(target);
end $$;

do $$
declare
  generation text;
begin
  for generation in select nspname from pg_namespace where nspname ~ '^sla_g[0-9]+$' loop
    perform carestream_add_exact_order_tables(generation);
  end loop;
end $$;

-- Down Migration
do $$
declare
  generation text;
begin
  for generation in select nspname from pg_namespace where nspname ~ '^sla_g[0-9]+$' loop
    execute format('drop table %I.brand_rules, %I.unplaced_events', generation, generation);
    execute format('drop index if exists %I.conversations_brand_id_conversation_key_idx', generation);
  end loop;
end $$;
drop function carestream_create_sla_tables(text);
alter function carestream_create_sla_tables_0004(text) rename to carestream_create_sla_tables;
drop function carestream_add_exact_order_tables(text);
