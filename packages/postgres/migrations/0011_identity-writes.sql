-- Up Migration
-- Ingest writes a message identity for nearly every event and looks up (or creates) its author: at 10,000
-- events/s its identity statement was the costliest PostgreSQL work of the whole pipeline. Two parts of that
-- cost go:
-- - the foreign key from a message to its author (a trigger query per inserted message). Ingest takes its authors'
--   rows (for key share) in the transaction that adds their messages, and erasing an author deletes the author's
--   messages itself, so no message outlives its author;
-- - the index on (kind, clear_value), updated by every message, which only erasing an author in every brand at
--   once reads: it becomes an index on the authors alone.

alter table author_identities drop constraint author_identities_author_ref_fkey;
drop index author_identities_kind_clear_value_idx;
create index author_identities_author_clear_value_idx on author_identities (clear_value) where kind = 'author';

-- Down Migration
drop index author_identities_author_clear_value_idx;
create index author_identities_kind_clear_value_idx on author_identities (kind, clear_value);
delete from author_identities m
 where m.author_ref is not null and not exists (select 1 from author_identities a where a.ref = m.author_ref);
alter table author_identities add constraint author_identities_author_ref_fkey
  foreign key (author_ref) references author_identities (ref) on delete cascade;
