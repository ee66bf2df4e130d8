package dev.sdfarm.gateway.dashboard;

import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.OutputImage;
import dev.sdfarm.gateway.job.Job;
import dev.sdfarm.gateway.job.JobService;
import dev.sdfarm.gateway.job.JobState;
import dev.sdfarm.gateway.job.JobView;
import dev.sdfarm.gateway.problem.ProblemException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Every tenant's jobs, for operators. The list is keyset-paged on (created_at desc, id), the order of the
 * {@code jobs_created} and per-tenant {@code jobs_tenant_created} indexes, so a page costs one index range scan
 * however deep it is.
 */
@ApplicationScoped
public class AllTenantJobs {
    public static final int MAX_LIMIT = 200;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    JobService jobs;
    @Inject
    EntityManager em;

    static final String GALLERY = """
            select id, tenant_id, left(params::json ->> 'prompt', 200), finished_at, outputs from jobs
            where finished_at is not null and state = 'SUCCEEDED' order by finished_at desc limit ?""";

    /**
     * The list query; its parameters in order: state, tenant (each if filtered), created_at twice and id (if
     * paging), then the row limit.
     */
    static String listSql(boolean byState, boolean byTenant, boolean paging) {
        StringBuilder sql = new StringBuilder("""
                select id, tenant_id, state, priority, left(params::json ->> 'prompt', 200), step, total_steps,
                       worker_id, left(error, 500), created_at, started_at, finished_at
                from jobs where true""");
        if (byState) {
            sql.append(" and state = ?");
        }
        if (byTenant) {
            sql.append(" and tenant_id = ?");
        }
        if (paging) {
            // (created_at desc, id asc) order: older rows, or rows of the same instant with a greater id.
            sql.append(" and created_at <= ? and (created_at < ? or id > ?)");
        }
        return sql.append(" order by created_at desc, id limit ?").toString();
    }

    public DashboardJob.Page list(JobState state, String tenant, int limit, JobCursor before) {
        List<Object> args = new ArrayList<>();
        if (state != null) {
            args.add(state.name());
        }
        if (tenant != null) {
            args.add(tenant);
        }
        if (before != null) {
            Timestamp t = Timestamp.from(before.createdAt());
            args.add(t);
            args.add(t);
            args.add(before.id());
        }
        args.add(limit + 1);
        String sql = listSql(state != null, tenant != null, before != null);
        List<DashboardJob> items = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int step = rs.getInt(6);
                    int total = rs.getInt(7);
                    items.add(new DashboardJob(rs.getObject(1, UUID.class), rs.getString(2),
                            JobState.valueOf(rs.getString(3)), rs.getString(4).toLowerCase(), rs.getString(5),
                            new JobView.Progress(step, total, total == 0 ? 0 : (double) step / total),
                            rs.getString(8), rs.getString(9), instant(rs, 10), instant(rs, 11), instant(rs, 12)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list jobs: " + e.getMessage(), e);
        }
        String next = null;
        if (items.size() > limit) {
            items = items.subList(0, limit);
            DashboardJob last = items.getLast();
            next = new JobCursor(last.createdAt(), last.id()).encode();
        }
        return new DashboardJob.Page(List.copyOf(items), next);
    }

    @Transactional
    public DashboardJob.Detail detail(UUID id) {
        Job job = Job.findById(id);
        if (job == null) {
            throw ProblemException.notFound("no job " + id);
        }
        Map<String, Long> webhooks = new TreeMap<>();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(
                "select state, count(*) from webhook_deliveries where job_id = ?1 group by state")
                .setParameter(1, id).getResultList();
        for (Object[] r : rows) {
            webhooks.put((String) r[0], ((Number) r[1]).longValue());
        }
        return new DashboardJob.Detail(job.tenantId, jobs.view(job),
                new DashboardJob.Events(job.lastSeq, job.workerId, webhooks));
    }

    /** The images of the most recently finished successful jobs, newest first, at most {@code limit}. */
    public List<GalleryImage> gallery(int limit) {
        List<GalleryImage> images = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(GALLERY)) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next() && images.size() < limit) {
                    String outputs = rs.getString(5);
                    if (outputs == null) {
                        continue;
                    }
                    for (OutputImage o : Messages.listFromJson(outputs.getBytes(StandardCharsets.UTF_8),
                            OutputImage.class)) {
                        if (images.size() < limit) {
                            images.add(new GalleryImage(rs.getObject(1, UUID.class), rs.getString(2),
                                    rs.getString(3), instant(rs, 4), "/v1/images/" + o.key(), o.seed(), o.width(),
                                    o.height()));
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list recent images: " + e.getMessage(), e);
        }
        return images;
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
