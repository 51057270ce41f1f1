-- Up Migration
-- Event ids are unique within a brand, not across brands: a tweet that mentions two brands reaches each brand's
-- webhook and becomes an event of each, both with the id x:tweet:<id>. The backlog and the brand posts counted
-- are therefore keyed by brand and event id (they were keyed by event id alone, so one brand's row hid the
-- other's). Applied to every SLA generation that exists, and to those replays create from now on.

create function carestream_scope_event_ids_by_brand(target text) returns void language plpgsql as $$
begin
  execute format('alter table %I.open_mentions drop constraint open_mentions_pkey, add primary key (brand_id, mention_event_id)', target);
  -- Posts counted before this migration keep brand '' (their brand was not recorded).
  execute format($t$alter table %I.seen_brand_posts add column brand_id text not null default ''$t$, target);
  execute format('alter table %I.seen_brand_posts alter column brand_id drop default', target);
  execute format('alter table %I.seen_brand_posts drop constraint seen_brand_posts_pkey, add primary key (brand_id, event_id)', target);
end $$;

alter function carestream_create_sla_tables(text) rename to carestream_create_sla_tables_0003;
create function carestream_create_sla_tables(target text) returns void language plpgsql as $$
begin
  perform carestream_create_sla_tables_0003(target);
  perform carestream_scope_event_ids_by_brand(target);
end $$;

do $$
declare
  generation text;
begin
  for generation in select nspname from pg_namespace where nspname ~ '^sla_g[0-9]+$' loop
    perform carestream_scope_event_ids_by_brand(generation);
  end loop;
end $$;

-- Down Migration
do $$
declare
  generation text;
begin
  for generation in select nspname from pg_namespace where nspname ~ '^sla_g[0-9]+$' loop
    execute format('alter table %I.open_mentions drop constraint open_mentions_pkey, add primary key (mention_event_id)', generation);
    execute format('alter table %I.seen_brand_posts drop constraint seen_brand_posts_pkey, drop column brand_id, add primary key (event_id)', generation);
  end loop;
end $$;
drop function carestream_create_sla_tables(text);
alter function carestream_create_sla_tables_0003(text) rename to carestream_create_sla_tables;
drop function carestream_scope_event_ids_by_brand(text);
