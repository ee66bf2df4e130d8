package dev.sdfarm.gateway.job;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Counts a submission needs without counting rows on every request: a tenant's queued and running jobs (its
 * quota) and the queued jobs of a priority (the new job's queue position). Counting them is linear in the queue,
 * so each count is taken from the database at most every {@link #MAX_AGE_NANOS} and this instance's own
 * submissions since are added to it. A quota check whose estimate reaches the limit counts exactly before it
 * refuses, so finished jobs never keep a tenant out; what the estimate can miss is jobs other gateway instances
 * accepted within the last second, by which a tenant with several instances may overshoot its quota. Jobs that
 * leave the queue within that second are likewise still counted in a new job's queue position on submission;
 * {@code GET /v1/jobs/{id}} counts exactly.
 */
@ApplicationScoped
public class QueueCounts {
    static final long MAX_AGE_NANOS = 1_000_000_000L;
    private static final List<JobState> ACTIVE = List.of(JobState.QUEUED, JobState.RUNNING);

    /**
     * One count. The query runs outside the monitor: a thread waiting here may hold a pooled connection (its
     * transaction has written), so holding the monitor while waiting for a connection could deadlock the pool.
     */
    private static final class Count {
        private long base;
        private long added;
        private long takenAtNanos;
        private boolean taken;
        private boolean refreshing;

        /** The estimate, recounting first when the count is missing or older than the limit. */
        long get(LongSupplier count) {
            boolean refresh;
            synchronized (this) {
                boolean stale = !taken || System.nanoTime() - takenAtNanos > MAX_AGE_NANOS;
                if (!stale || (taken && refreshing)) {
                    return base + added; // fresh, or another thread is recounting: the last estimate will do
                }
                refresh = !refreshing;
                refreshing = true;
            }
            return take(count, refresh);
        }

        long recount(LongSupplier count) {
            return take(count, false);
        }

        private long take(LongSupplier count, boolean refresh) {
            long startedAt = System.nanoTime();
            long value;
            try {
                value = count.getAsLong();
            } finally {
                if (refresh) {
                    synchronized (this) {
                        refreshing = false;
                    }
                }
            }
            synchronized (this) {
                if (!taken || startedAt - takenAtNanos > 0) {
                    base = value;
                    added = 0;
                    takenAtNanos = startedAt;
                    taken = true;
                }
                return base + added;
            }
        }

        synchronized void add() {
            added++;
        }
    }

    private final ConcurrentHashMap<String, Count> active = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Priority, Count> queued = new ConcurrentHashMap<>();

    /**
     * The tenant's queued and running jobs, as estimated; when the estimate has reached {@code limit}, counted
     * exactly. Call inside a transaction.
     */
    public long active(String tenantId, long limit) {
        Count c = active.computeIfAbsent(tenantId, t -> new Count());
        LongSupplier exact = () -> Job.count("tenantId = ?1 and state in ?2", tenantId, ACTIVE);
        long n = c.get(exact);
        return n < limit ? n : c.recount(exact);
    }

    /** Jobs of this priority queued now, as estimated (the position a job submitted now gets). */
    public long queued(Priority priority) {
        return queued.computeIfAbsent(priority, p -> new Count())
                .get(() -> Job.count("state = ?1 and priority = ?2", JobState.QUEUED, priority));
    }

    /** This instance accepted a job of the tenant at this priority. */
    public void accepted(String tenantId, Priority priority) {
        active.computeIfAbsent(tenantId, t -> new Count()).add();
        queued.computeIfAbsent(priority, p -> new Count()).add();
    }
}
