package dev.sdfarm.gateway.worker;

import dev.sdfarm.core.message.WorkerHeartbeat;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The latest heartbeat of each worker, in memory and bounded: a worker not heard from for
 * {@code forget-after} is dropped, and past {@code max-workers} the one heard from longest ago goes first.
 */
@Singleton
public class LatestHeartbeats {
    /** A worker's latest heartbeat and when it was sent (its {@code at}, else the record's timestamp). */
    public record Seen(WorkerHeartbeat heartbeat, Instant at) {
    }

    private final int max;
    private final Duration forgetAfter;
    private final Clock clock;
    /** In the order they were last heard from, so the eldest entry is the one to drop when full. */
    private final LinkedHashMap<String, Seen> byWorker = new LinkedHashMap<>();

    @Inject
    LatestHeartbeats(WorkersConfig config) {
        this(config.maxWorkers(), config.forgetAfter(), Clock.systemUTC());
    }

    LatestHeartbeats(int max, Duration forgetAfter, Clock clock) {
        if (max < 1) {
            throw new IllegalArgumentException("sdfarm.workers.max-workers must be at least 1, not " + max);
        }
        this.max = max;
        this.forgetAfter = forgetAfter;
        this.clock = clock;
    }

    /** Keeps {@code hb} unless a later one of that worker is already here. */
    public synchronized void put(WorkerHeartbeat hb, Instant recordTime) {
        Instant at = hb.at() != null ? hb.at() : recordTime;
        Seen before = byWorker.get(hb.workerId());
        if (before != null && before.at().isAfter(at)) {
            return;
        }
        byWorker.remove(hb.workerId());
        byWorker.put(hb.workerId(), new Seen(hb, at));
        Iterator<Seen> eldest = byWorker.values().iterator();
        while (byWorker.size() > max) {
            eldest.next();
            eldest.remove();
        }
    }

    /** The workers heard from within {@code forget-after}. */
    public synchronized List<Seen> current() {
        Instant cutoff = clock.instant().minus(forgetAfter);
        byWorker.values().removeIf(s -> s.at().isBefore(cutoff));
        return List.copyOf(byWorker.values());
    }
}
