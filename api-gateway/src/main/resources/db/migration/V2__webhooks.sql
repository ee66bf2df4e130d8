-- Webhooks: each tenant signs with its own secret; deliveries are written in the transaction that changes the job
-- (a transactional outbox) and sent by the webhook relay with retries.

-- HMAC key of the tenant's webhook signatures. Stored as is (HMAC needs it); shown once at creation or rotation.
-- Tenants from before this migration get one at the next gateway start.
alter table tenants add column webhook_secret varchar(100);

create table webhook_deliveries (
    id              bigserial    primary key,          -- also the order of a job's deliveries
    event_id        uuid         not null unique,      -- Sdfarm-Event-Id, the same on every attempt
    job_id          uuid         not null references jobs (id),
    tenant_id       varchar(64)  not null references tenants (id),
    url             varchar(2000) not null,
    event           varchar(16)  not null,              -- the job state told: RUNNING, SUCCEEDED, FAILED, CANCELLED
    payload         text         not null,              -- the job's view (JobView JSON) at that change
    state           varchar(16)  not null check (state in ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        integer      not null default 0,
    next_attempt_at timestamptz  not null,              -- while PENDING: when it is due (or its claim expires)
    last_status     integer,                            -- HTTP status of the last attempt, if one came back
    last_error      varchar(1000),
    created_at      timestamptz  not null,
    last_attempt_at timestamptz,
    delivered_at    timestamptz
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where state = 'PENDING';
create index webhook_deliveries_job on webhook_deliveries (job_id, id);

-- The jobs-by-state gauges count active jobs only; QUEUED has its partial index (V1), RUNNING gets one.
create index jobs_running on jobs (created_at) where state = 'RUNNING';
