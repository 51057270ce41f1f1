-- Up Migration
-- Response-time sketches are stored as bytes (bytea), and each brand's days have totals rows.
--
-- A question over a month read ~1,000 daily rows of a brand (a row per channel × agent) and ~700 JSON sketches:
-- PostgreSQL spent ~5 ms per month turning them into text and the API as long parsing them. Now:
-- - every sketch column is bytea in the stored form of the domain's ResponseTimeSketch.toBytes (varints, ~2–3
--   bytes a bin against ~7 characters of JSON); a sketch is self-delimiting, so string_agg(sketch, '') of a
--   group's rows is read back as their sum;
-- - sla_daily_totals holds each brand's day per channel with its agents summed, and once more with channel ''
--   for all its channels; sla_weekly_totals the same per UTC week (from Monday 00:00 UTC): a month's question
--   reads ~4 weeks and a few days. The compactor keeps them with sla_hourly and sla_daily, from the same deltas.
-- Existing hourly rows and deltas are converted and moved into the deltas (as 0006 did): the compactor folds
-- them into the three tables on the processors' next start, and readers count pending deltas meanwhile.
--
-- Steps every SLA generation takes, existing and created later, are listed in sla_generation_steps from here
-- on: a later migration adds a function (target text) and registers it with carestream_add_sla_step.

create function carestream_varint(value bigint) returns bytea language plpgsql immutable strict as $$
declare
  bytes bytea := '';
  rest bigint := value;
begin
  if rest < 0 then raise exception 'carestream_varint: % is negative', value; end if;
  loop
    if rest < 128 then
      return bytes || set_byte('\x00'::bytea, 0, rest::int);
    end if;
    bytes := bytes || set_byte('\x00'::bytea, 0, (rest % 128)::int + 128);
    rest := rest / 128;
  end loop;
end $$;

create function carestream_zigzag(value bigint) returns bigint language sql immutable strict as $$
  select case when value >= 0 then value * 2 else -value * 2 - 1 end
$$;

-- The JSON form {"v": 1, "z": zeros, "k": [first key, gaps…], "c": [counts…]} in the stored form.
create function carestream_sketch_bytes(sketch jsonb) returns bytea language plpgsql immutable strict as $$
declare
  bins int := jsonb_array_length(sketch->'k');
  bytes bytea;
begin
  if (sketch->>'v') is distinct from '1' or bins <> jsonb_array_length(sketch->'c') then
    raise exception 'not a JSON response-time sketch: %', left(sketch::text, 200);
  end if;
  bytes := '\x02'::bytea || carestream_varint(carestream_zigzag((sketch->>'z')::bigint)) || carestream_varint(bins);
  for i in 0 .. bins - 1 loop
    bytes := bytes
      || carestream_varint(case when i = 0 then carestream_zigzag((sketch->'k'->>0)::bigint) else (sketch->'k'->>i)::bigint end)
      || carestream_varint(carestream_zigzag((sketch->'c'->>i)::bigint));
  end loop;
  return bytes;
end $$;

create table sla_generation_steps (
  position serial primary key,
  step regproc not null unique
);

-- Every SLA generation's tables: those of migrations 0003–0008, then each registered step in order.
alter function carestream_create_sla_tables(text) rename to carestream_create_sla_tables_0008;
create function carestream_create_sla_tables(target text) returns void language plpgsql as $$
declare
  step regproc;
begin
  perform carestream_create_sla_tables_0008(target);
  for step in select s.step from sla_generation_steps s order by s.position loop
    execute format('select %s($1)', step) using target;
  end loop;
end $$;

-- Registers a step and takes it in every existing SLA generation.
create function carestream_add_sla_step(step regproc) returns void language plpgsql as $$
declare
  generation text;
begin
  insert into sla_generation_steps (step) values (step);
  for generation in select nspname from pg_namespace where nspname ~ '^sla_g[0-9]+$' order by nspname loop
    execute format('select %s($1)', step) using generation;
  end loop;
end $$;

create function carestream_binary_sketches_and_daily_totals(target text) returns void language plpgsql as $$
declare
  bucket_table text;
  columns text;
begin
  -- The view (and the BI view over it, re-pointed below) names the columns whose type changes.
  execute format('drop view %I.sla_buckets cascade', target);
  execute format('delete from %I.sla_daily', target);
  foreach bucket_table in array array['sla_hourly', 'sla_hourly_deltas', 'sla_daily'] loop
    execute format($a$alter table %I.%I
      alter column response_sketch type bytea using carestream_sketch_bytes(response_sketch),
      alter column business_sketch type bytea using carestream_sketch_bytes(business_sketch)$a$, target, bucket_table);
  end loop;
  select string_agg(quote_ident(attname), ', ' order by attnum) into columns
    from pg_attribute where attrelid = format('%I.sla_hourly', target)::regclass and attnum > 0 and not attisdropped;
  execute format('insert into %I.sla_hourly_deltas (%s) select %s from %I.sla_hourly', target, columns, columns, target);
  execute format('delete from %I.sla_hourly', target);
  execute format('create view %I.sla_buckets as select %s from %I.sla_hourly union all select %s from %I.sla_hourly_deltas',
    target, columns, target, columns, target);
  -- A brand's day per channel, agents summed; channel '' holds the day over all of its channels.
  execute format('create table %I.sla_daily_totals (like %I.sla_daily including defaults)', target, target);
  execute format('alter table %I.sla_daily_totals drop column agent_id, add primary key (brand_id, day_start, channel)', target);
  -- The same per UTC week (Monday 00:00 UTC): a month's question reads four weeks and a few days.
  execute format('create table %I.sla_weekly_totals (like %I.sla_daily_totals including defaults)', target, target);
  execute format('alter table %I.sla_weekly_totals rename column day_start to week_start', target);
  execute format('alter table %I.sla_weekly_totals add primary key (brand_id, week_start, channel)', target);
  -- A day's median and 90th percentile of response times, from its sketch (null: no answers): what a daily
  -- series shows, so a 90-day series reads 90 pairs of numbers instead of 90 sketches. Written with the sketch.
  execute format('alter table %I.sla_daily_totals add column response_p50 double precision, add column response_p90 double precision', target);
end $$;

select carestream_add_sla_step('carestream_binary_sketches_and_daily_totals');
select carestream_point_bi_views();

-- Down Migration
-- Not reversible: the JSON sketches are gone; restore a backup taken before upgrading.
do $$ begin raise exception 'migration 0009 (binary sketches) cannot be undone'; end $$;
