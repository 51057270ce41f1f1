-- Up Migration
-- Kafka offsets of each processor, committed in the same transaction as the projection changes they
-- produced: the source of truth for where a processor resumes (Kafka's own committed offsets are advisory).
create table processor_offsets (
  processor text not null,
  topic text not null,
  partition integer not null,
  next_offset bigint not null,
  updated_at timestamptz not null default now(),
  primary key (processor, topic, partition)
);

-- Down Migration
drop table processor_offsets;
