package dev.sdfarm.gateway.dashboard;

import dev.sdfarm.gateway.job.Priority;
import dev.sdfarm.gateway.metrics.FarmGauges;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Puts the overview together: two indexed queries (queued jobs by priority on the partial queue index, the last
 * hour's finished jobs on {@code jobs_finished}) and the values {@link FarmGauges} already keeps in memory.
 */
@ApplicationScoped
public class OverviewQueries {
    static final int MINUTES = 60;
    static final String QUEUED_BY_PRIORITY =
            "select priority, count(*) from jobs where state = 'QUEUED' group by priority";
    /** Jobs finished since the parameter, by minute: counts by outcome and mean seconds per step. */
    static final String FINISHED_BY_MINUTE = """
            select date_trunc('minute', finished_at) as minute,
                   count(*) filter (where state = 'SUCCEEDED'),
                   count(*) filter (where state = 'FAILED'),
                   count(*) filter (where state = 'CANCELLED'),
                   avg(extract(epoch from finished_at - started_at) / total_steps)
                       filter (where started_at is not null and total_steps > 0)
            from jobs
            where finished_at is not null and finished_at >= ?
            group by 1""";

    @Inject
    AgroalDataSource dataSource;
    @Inject
    FarmGauges gauges;

    public Overview overview() {
        Instant now = Instant.now();
        Instant firstMinute = now.truncatedTo(ChronoUnit.MINUTES).minus(MINUTES - 1, ChronoUnit.MINUTES);
        Map<String, Long> queued = new LinkedHashMap<>();
        for (Priority p : Priority.values()) {
            queued.put(p.name().toLowerCase(Locale.ROOT), 0L);
        }
        List<Overview.Minute> minutes;
        try (Connection c = dataSource.getConnection()) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(QUEUED_BY_PRIORITY)) {
                while (rs.next()) {
                    queued.put(rs.getString(1).toLowerCase(Locale.ROOT), rs.getLong(2));
                }
            }
            minutes = minutes(c, firstMinute);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the overview from the database: " + e.getMessage(), e);
        }
        FarmGauges.Snapshot g = gauges.snapshot();
        return new Overview(now, queued, g.lag(), g.jobs(), g.outbox(), g.webhooks(), minutes);
    }

    private static List<Overview.Minute> minutes(Connection c, Instant from) throws SQLException {
        long[][] counts = new long[MINUTES][3];
        Double[] perStep = new Double[MINUTES];
        try (PreparedStatement ps = c.prepareStatement(FINISHED_BY_MINUTE)) {
            ps.setTimestamp(1, Timestamp.from(from));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long i = ChronoUnit.MINUTES.between(from, rs.getTimestamp(1).toInstant());
                    if (i < 0 || i >= MINUTES) {
                        continue; // finished "in the future" by a clock ahead of ours
                    }
                    int m = (int) i;
                    counts[m][0] = rs.getLong(2);
                    counts[m][1] = rs.getLong(3);
                    counts[m][2] = rs.getLong(4);
                    double avg = rs.getDouble(5);
                    perStep[m] = rs.wasNull() ? null : avg;
                }
            }
        }
        List<Overview.Minute> out = new ArrayList<>(MINUTES);
        for (int m = 0; m < MINUTES; m++) {
            out.add(new Overview.Minute(from.plus(m, ChronoUnit.MINUTES), counts[m][0], counts[m][1], counts[m][2],
                    perStep[m]));
        }
        return out;
    }
}
