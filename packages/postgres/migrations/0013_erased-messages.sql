-- Up Migration
-- Messages erased without being named by an erasure: those of an erased author (deleted with the author, whose
-- ids the erasures log never names) and those of a mention that reached ingest after its author's erasure
-- (published with references that were never stored). Ingest gives a message found here a fresh reference it does
-- not store, so a reply naming it later does not bring its clear id back. Digests only, under erasure_digest_key.
create table erased_messages (
  subject_digest bytea primary key,
  erased_at timestamptz not null
);

-- Down Migration
drop table erased_messages;
