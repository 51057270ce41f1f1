-- Up Migration
-- An Instagram @mention names no author, so its author id is built from its message id (`instagram-mention:<id>`).
-- A message erasure now takes such an author with it; those left by erasures before that still hold an erased
-- message id. They are the ones of that shape with no message left.
delete from author_identities a
 where a.kind = 'author' and a.clear_value ~ '^[a-z]+-mention:'
   and not exists (select 1 from author_identities m where m.author_ref = a.ref and m.kind = 'message');

-- Down Migration
-- Nothing to restore: the rows held erased ids.
select 1;
