-- Tenants, their API keys, the model registry, jobs and the outbox.

create table tenants (
    id                   varchar(64)  primary key,
    name                 varchar(200) not null,
    max_active_jobs      integer      not null,
    rate_per_second      double precision not null,
    default_model_sha256 char(64),
    created_at           timestamptz  not null
);

create table api_keys (
    id          varchar(24)  primary key,           -- the public part of "sdf_<id>_<secret>"
    tenant_id   varchar(64)  not null references tenants (id),
    role        varchar(16)  not null check (role in ('SUBMITTER', 'OPERATOR', 'ADMIN')),
    secret_hash bytea        not null,              -- sha256 of the secret part; keys are 190-bit random
    name        varchar(200) not null,
    created_at  timestamptz  not null,
    revoked_at  timestamptz
);
create index api_keys_tenant on api_keys (tenant_id);

create table models (
    sha256        char(64)     primary key,
    name          varchar(200) not null unique,
    store_key     varchar(512) not null,
    autov2        char(10)     not null,
    family        varchar(40)  not null,
    precision     varchar(16)  not null,
    ema           varchar(40)  not null,
    size_bytes    bigint       not null,
    registered_at timestamptz  not null
);

create table jobs (
    id              uuid         primary key,
    tenant_id       varchar(64)  not null references tenants (id),
    state           varchar(16)  not null check (state in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    priority        varchar(16)  not null,
    model_sha256    char(64)     not null references models (sha256),
    params          text         not null,          -- GenerationParams JSON, seed resolved
    idempotency_key varchar(200),
    request_hash    char(64),                       -- sha256 of the request body, to detect a reused key
    webhook_url     varchar(2000),
    step            integer      not null default 0,
    total_steps     integer      not null,
    last_seq        bigint       not null default 0,
    worker_id       varchar(200),
    error           text,
    outputs         text,                           -- OutputImage JSON array once SUCCEEDED
    created_at      timestamptz  not null,
    started_at      timestamptz,
    finished_at     timestamptz,
    unique (tenant_id, idempotency_key)
);
create index jobs_tenant_created on jobs (tenant_id, created_at desc, id);
create index jobs_queued on jobs (priority, created_at) where state = 'QUEUED';

-- Messages written in the same transaction as the rows they describe; the relay publishes and deletes them.
create table outbox (
    id         bigserial    primary key,
    topic      varchar(200) not null,
    msg_key    varchar(200) not null,
    payload    bytea        not null,
    created_at timestamptz  not null
);
