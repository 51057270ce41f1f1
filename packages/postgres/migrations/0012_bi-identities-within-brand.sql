-- Up Migration
-- The BI views resolve a reference only within the brand of the row that carries it, as the API does: a
-- reference is random, but an id of one brand that held another brand's reference must not show that brand's
-- clear value.
create function carestream_shown_identity(stored text, brand text) returns text language sql stable as $$
  select case
    when found is null then stored
    else coalesce(
      found[1] || (select clear_value from author_identities where ref = found[2] and brand_id = brand),
      '[erased]'
    )
  end
  from (select regexp_match(stored, '^((?:.*:)?)((?:au|msg)_[A-Za-z0-9_-]{22})$') as found) m
$$;

create or replace function carestream_point_bi_views() returns void language plpgsql as $$
declare
  sla text := (select active_schema from projection_generations where projection = 'sla');
begin
  perform carestream_point_bi_views_0006();
  execute format($v$create or replace view bi_open_mentions as
    select brand_id, channel, carestream_shown_identity(conversation_id, brand_id) as conversation_id,
           case when author_shown = '[erased]' then '[erased]' else carestream_shown_identity(message_id, brand_id) end
             as message_id,
           author_shown as author_id, kind, sentiment,
           case when author_shown = '[erased]' then null else followers end as followers,
           private, received_at, breached_at
      from (select *, carestream_shown_identity(author_id, brand_id) as author_shown from %I.open_mentions) o$v$, sla);
  execute format($v$create or replace view bi_churn_signals as
    select brand_id, author_shown as author_id, carestream_shown_identity(mention_event_id, brand_id) as mention_event_id,
           slot, kind, intensity,
           case when author_shown = '[erased]' then '[erased]' else carestream_shown_identity(message_id, brand_id) end
             as message_id,
           at
      from (select *, carestream_shown_identity(author_id, brand_id) as author_shown from %I.churn_signals) c$v$, sla);
end $$;
select carestream_point_bi_views();
drop function carestream_shown_identity(text);

-- Down Migration
create function carestream_shown_identity(stored text) returns text language sql stable as $$
  select case
    when found is null then stored
    else coalesce(found[1] || (select clear_value from author_identities where ref = found[2]), '[erased]')
  end
  from (select regexp_match(stored, '^((?:.*:)?)((?:au|msg)_[A-Za-z0-9_-]{22})$') as found) m
$$;

create or replace function carestream_point_bi_views() returns void language plpgsql as $$
declare
  sla text := (select active_schema from projection_generations where projection = 'sla');
begin
  perform carestream_point_bi_views_0006();
  execute format($v$create or replace view bi_open_mentions as
    select brand_id, channel, carestream_shown_identity(conversation_id) as conversation_id,
           case when author_shown = '[erased]' then '[erased]' else carestream_shown_identity(message_id) end
             as message_id,
           author_shown as author_id, kind, sentiment,
           case when author_shown = '[erased]' then null else followers end as followers,
           private, received_at, breached_at
      from (select *, carestream_shown_identity(author_id) as author_shown from %I.open_mentions) o$v$, sla);
  execute format($v$create or replace view bi_churn_signals as
    select brand_id, author_shown as author_id, carestream_shown_identity(mention_event_id) as mention_event_id,
           slot, kind, intensity,
           case when author_shown = '[erased]' then '[erased]' else carestream_shown_identity(message_id) end
             as message_id,
           at
      from (select *, carestream_shown_identity(author_id) as author_shown from %I.churn_signals) c$v$, sla);
end $$;
select carestream_point_bi_views();
drop function carestream_shown_identity(text, text);
