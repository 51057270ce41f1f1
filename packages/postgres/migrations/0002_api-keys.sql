-- Up Migration
-- API keys: only a SHA-256 of each key's 256-bit secret is kept; the key itself is shown once at creation.
create table api_keys (
  key_id text primary key,
  secret_hash bytea not null,
  scope text not null check (scope in ('admin', 'write', 'read')),
  brand_ids text[] not null default '{}',
  label text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  check (scope = 'admin' or cardinality(brand_ids) > 0)
);

-- Down Migration
drop table api_keys;
