-- Up Migration
-- Erasure by crypto-shredding (docs/architecture.md, "Personal data and erasure"). Ingest replaces a mention's
-- author id and message id by random references before anything reaches Kafka, and seals its text with a key
-- of the message's own; the clear values and the keys live only here. Erasing deletes the rows: the log's
-- references and sealed texts then identify no one, in every later replay too.
create table author_identities (
  -- au_… or msg_…: what the log and the projections carry instead of the clear value.
  ref text primary key,
  brand_id text not null,
  kind text not null check (kind in ('author', 'message')),
  clear_value text not null,
  -- A message's author; erasing the author erases its messages (null: a message known only from a reply).
  author_ref text references author_identities (ref) on delete cascade,
  -- AES-256-GCM key of a message's text (messages only).
  text_key bytea,
  created_at timestamptz not null default now(),
  unique (brand_id, kind, clear_value)
);
create index on author_identities (author_ref);
create index on author_identities (kind, clear_value);

-- The key of the erasure log's digests (HMAC-SHA-256): the log says what was erased without holding it.
create table erasure_digest_key (
  singleton boolean primary key default true check (singleton),
  hmac_key bytea not null
);
insert into erasure_digest_key (hmac_key)
  values (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));

-- The audit log of erasure requests: who asked, when, what kind of subject, how much was erased; never the
-- erased values (the subject is an HMAC digest, which also lets the API hide events produced straight to Kafka
-- with clear ids).
create table erasures (
  erasure_id uuid primary key,
  requested_at timestamptz not null,
  completed_at timestamptz not null,
  source text not null check (source in ('api', 'cli', 'x-webhook', 'meta-webhook')),
  requested_by text,
  brand_id text,
  subject text not null check (subject in ('author', 'message')),
  subject_digest bytea not null,
  authors_erased integer not null,
  messages_erased integer not null
);
create index on erasures (subject_digest);

-- BI users keep reading clear ids: the two views that carry authors and messages resolve the references (an
-- erased one reads [erased], as in the API; an erased author's message id and audience too). The views are
-- repointed at every replay's swap by carestream_point_bi_views(), so the resolving step wraps it.
-- A reference alone, or ending an id after a prefix that ends in ':' (the X adapter's `x:tweet:msg_…`).
create function carestream_shown_identity(stored text) returns text language sql stable as $$
  select case
    when found is null then stored
    else coalesce(found[1] || (select clear_value from author_identities where ref = found[2]), '[erased]')
  end
  from (select regexp_match(stored, '^((?:.*:)?)((?:au|msg)_[A-Za-z0-9_-]{22})$') as found) m
$$;

alter function carestream_point_bi_views() rename to carestream_point_bi_views_0006;
create function carestream_point_bi_views() returns void language plpgsql as $$
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

-- Down Migration
drop function carestream_point_bi_views();
alter function carestream_point_bi_views_0006() rename to carestream_point_bi_views;
select carestream_point_bi_views();
drop function carestream_shown_identity(text);
drop table erasures;
drop table erasure_digest_key;
drop table author_identities;
