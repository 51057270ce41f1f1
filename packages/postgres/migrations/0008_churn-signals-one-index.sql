-- Up Migration
-- churn_signals kept an index on (brand_id, author_id) beside its primary key (brand_id, author_id,
-- mention_event_id, slot), whose first two columns serve the same look-ups (a brand's or a customer's
-- signals). Every signal a batch set or cleared updated both; in catch-up the churn upsert was the costliest
-- statement of the SLA transaction. The index goes, in every SLA generation and in the ones created later.

create function carestream_drop_churn_author_index(target text) returns void language plpgsql as $$
begin
  execute format('drop index if exists %I.churn_signals_brand_id_author_id_idx', target);
end $$;

alter function carestream_create_sla_tables(text) rename to carestream_create_sla_tables_0007;
create function carestream_create_sla_tables(target text) returns void language plpgsql as $$
begin
  perform carestream_create_sla_tables_0007(target);
  perform carestream_drop_churn_author_index(target);
end $$;

do $$
declare
  generation text;
begin
  for generation in select nspname from pg_namespace where nspname ~ '^sla_g[0-9]+$' loop
    perform carestream_drop_churn_author_index(generation);
  end loop;
end $$;

-- Down Migration
do $$
declare
  generation text;
begin
  for generation in select nspname from pg_namespace where nspname ~ '^sla_g[0-9]+$' loop
    execute format('create index if not exists churn_signals_brand_id_author_id_idx on %I.churn_signals (brand_id, author_id)', generation);
  end loop;
end $$;
drop function carestream_create_sla_tables(text);
alter function carestream_create_sla_tables_0007(text) rename to carestream_create_sla_tables;
drop function carestream_drop_churn_author_index(text);
