-- Conversions: slimming a checkpoint of the store by a converter run (a child process or a Kubernetes Job), and
-- the lineage of the models they register.

create table conversion_bulks (
    id            uuid          primary key,
    source_prefix varchar(512)  not null,
    dest_prefix   varchar(512)  not null,
    options       text          not null,            -- ConversionOptions JSON
    count         integer       not null,
    skipped       integer       not null,
    created_at    timestamptz   not null
);

create table conversions (
    id             uuid          primary key,
    bulk_id        uuid          references conversion_bulks (id),
    state          varchar(16)   not null check (state in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    source_key     varchar(512)  not null,
    source_size    bigint        not null,            -- at submission; with options_key, what a bulk run skips on
    output_key     varchar(512)  not null,
    options        text          not null,            -- ConversionOptions JSON
    options_key    varchar(600)  not null,            -- the options in canonical form
    launcher       varchar(16)   not null,
    k8s_job        varchar(63),
    progress       integer       not null default 0,
    phase          varchar(16),
    attempts       integer       not null default 0,  -- runs started (Kubernetes retries count)
    log_tail       text,                               -- the converter's last lines, bounded
    error          varchar(2000),
    source_sha256  char(64),
    output_sha256  char(64),
    bytes_in       bigint,
    bytes_out      bigint,
    seconds        double precision,
    family         varchar(40),
    warnings       text,                               -- JSON array
    model_sha256   char(64),                           -- the registered output
    created_at     timestamptz   not null,
    started_at     timestamptz,
    finished_at    timestamptz
);
create index conversions_created on conversions (created_at desc, id desc);
create index conversions_state_created on conversions (state, created_at desc, id desc);
create index conversions_bulk on conversions (bulk_id, created_at desc, id desc) where bulk_id is not null;
create index conversions_source on conversions (source_key, options_key);
create index conversions_output on conversions (output_key);

-- Lineage of a model made by a conversion.
alter table models add column source_sha256 char(64);
alter table models add column conversion_id uuid;
alter table models add column bytes_saved bigint;
