-- The operator dashboard reads across tenants.
-- Throughput and step-latency series: jobs finished in the last hour, by minute. The included columns make it an
-- index-only range scan.
create index jobs_finished on jobs (finished_at) include (state, started_at, total_steps)
    where finished_at is not null;
-- Every tenant's jobs, newest first, paged by (created_at, id) like the per-tenant index of V1.
create index jobs_created on jobs (created_at desc, id);
