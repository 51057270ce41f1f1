-- Up Migration
-- A conversation's state (its facts) is written by the SLA processor on every batch that touches it and read
-- back only by the processor: PostgreSQL never looks inside it. As jsonb, every write parsed the whole state into
-- PostgreSQL's binary JSON (the costliest statement of a catch-up's transaction). It is now bytea holding the
-- state's JSON text in UTF-8, stored as given (TOAST still compresses a long one);
-- `convert_from(state, 'UTF8')::jsonb` reads it as JSON when a person needs to look.

create function carestream_conversation_state_bytes(target text) returns void language plpgsql as $$
begin
  execute format($a$alter table %I.conversations
    alter column state type bytea using convert_to(state::text, 'UTF8')$a$, target);
end $$;

select carestream_add_sla_step('carestream_conversation_state_bytes');

-- Down Migration
-- jsonb refuses some JSON that JSON.stringify writes (an escaped \u0000, a lone surrogate): a state holding one
-- stops the conversion; replay the projection after going back instead (`carestream replay sla`).
do $$
declare
  generation text;
begin
  for generation in select nspname from pg_namespace where nspname ~ '^sla_g[0-9]+$' loop
    execute format($a$alter table %I.conversations
      alter column state type jsonb using convert_from(state, 'UTF8')::jsonb$a$, generation);
  end loop;
end $$;
delete from sla_generation_steps where step = 'carestream_conversation_state_bytes'::regproc;
drop function carestream_conversation_state_bytes(text);
