package dev.sdfarm.gateway.dashboard;

import dev.sdfarm.gateway.FarmTestResource;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The dashboard's queries on 10,000 jobs of 20 tenants (a month of history) use indexes: none reads the jobs
 * table sequentially. The jobs are written in a transaction that is rolled back, so other tests never see them.
 * Each plan is printed, for the record.
 */
@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class DashboardQueryPlanTest {
    @Inject
    AgroalDataSource dataSource;

    @Test
    void noDashboardQueryScansAllJobs() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("""
                        insert into tenants (id, name, max_active_jobs, rate_per_second, created_at)
                        select 'plan-' || t, 'plan ' || t, 100, 10, now() from generate_series(0, 19) t""");
                s.execute("""
                        insert into models (sha256, name, store_key, autov2, family, precision, ema, size_bytes,
                                            registered_at)
                        values (repeat('ab', 32), 'plan-model', 'models/plan.safetensors', 'ababababab', 'sd1',
                                'fp16', 'no-ema', 1, now())""");
                // 80% succeeded, 8% failed, 5% cancelled, 5% queued, 2% running, over 30 days.
                s.execute("""
                        insert into jobs (id, tenant_id, state, priority, model_sha256, params, step, total_steps,
                                          created_at, started_at, finished_at)
                        select gen_random_uuid(), 'plan-' || (i % 20),
                               case when i % 100 < 80 then 'SUCCEEDED' when i % 100 < 88 then 'FAILED'
                                    when i % 100 < 93 then 'CANCELLED' when i % 100 < 98 then 'QUEUED'
                                    else 'RUNNING' end,
                               case when i % 3 = 0 then 'BATCH' else 'INTERACTIVE' end,
                               repeat('ab', 32), '{"prompt":"plan"}', 0, 20,
                               now() - (i * interval '259 seconds'),
                               case when i % 100 < 88 or i % 100 >= 98 then now() - (i * interval '259 seconds')
                                    + interval '2 seconds' end,
                               case when i % 100 < 93 then now() - (i * interval '259 seconds')
                                    + interval '30 seconds' end
                        from generate_series(1, 10000) i""");
                s.execute("analyze jobs");
            }
            Timestamp hourAgo = Timestamp.from(Instant.now().minus(1, ChronoUnit.HOURS));
            Timestamp dayAgo = Timestamp.from(Instant.now().minus(1, ChronoUnit.DAYS));
            UUID someId = UUID.randomUUID();
            Map<String, List<Object>> queries = new LinkedHashMap<>();
            queries.put(OverviewQueries.QUEUED_BY_PRIORITY, List.of());
            queries.put(OverviewQueries.FINISHED_BY_MINUTE, List.of(hourAgo));
            queries.put(AllTenantJobs.listSql(false, false, false), List.of(51));
            queries.put(AllTenantJobs.listSql(false, false, true), List.of(dayAgo, dayAgo, someId, 51));
            queries.put(AllTenantJobs.listSql(true, false, false), List.of("SUCCEEDED", 51));
            queries.put(AllTenantJobs.listSql(true, false, true), List.of("FAILED", dayAgo, dayAgo, someId, 51));
            queries.put(AllTenantJobs.listSql(false, true, false), List.of("plan-7", 51));
            queries.put(AllTenantJobs.listSql(true, true, true),
                    List.of("SUCCEEDED", "plan-7", dayAgo, dayAgo, someId, 51));
            queries.put(AllTenantJobs.GALLERY, List.of(24));
            queries.put("select state, count(*) from webhook_deliveries where job_id = ? group by state",
                    List.of(someId));
            try {
                for (var q : queries.entrySet()) {
                    String plan = explain(c, q.getKey(), q.getValue());
                    System.out.println("-- " + q.getKey().replaceAll("\\s+", " ") + "\n" + plan);
                    assertFalse(plan.contains("Seq Scan on jobs"), q.getKey() + "\n" + plan);
                }
            } finally {
                c.rollback();
            }
        }
    }

    private static String explain(Connection c, String sql, List<Object> args) throws Exception {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("explain " + sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
        }
        return String.join("\n", lines);
    }
}
