package dev.sdfarm.gateway.worker;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class WorkerJoinTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final Duration STALE_AFTER = Duration.ofSeconds(20);

    private static LatestHeartbeats.Seen seen(String id, String host, Instant at) {
        return new LatestHeartbeats.Seen(new dev.sdfarm.core.message.WorkerHeartbeat(1, id, host, "cpu", at, 1, 2, 0,
                List.of(), List.of()), at);
    }

    private static WorkerPod pod(String name, String phase) {
        return new WorkerPod(name, phase, "node-1", 1, 0, "Running".equals(phase));
    }

    @Test
    void heartbeatsWithoutPodsAreAliveOrStaleByTheirAge() {
        List<WorkerStatus> w = WorkerDirectory.join(List.of(seen("b", "h", NOW.minusSeconds(21)),
                seen("a", "h", NOW.minusSeconds(19))), List.of(), NOW, STALE_AFTER);
        assertEquals(List.of("a", "b"), w.stream().map(WorkerStatus::id).toList());
        assertEquals(WorkerState.ALIVE, w.get(0).state());
        assertEquals(WorkerState.STALE, w.get(1).state());
        assertNull(w.get(0).pod());
    }

    @Test
    void joinsByWorkerIdThenByHostAndListsPodsWithoutHeartbeat() {
        List<WorkerStatus> w = WorkerDirectory.join(
                List.of(seen("worker-a", "elsewhere", NOW), seen("worker-b-41", "worker-b", NOW),
                        seen("laptop-7", "laptop", NOW)),
                List.of(pod("worker-a", "Running"), pod("worker-b", "Running"), pod("worker-c", "Pending"),
                        pod("worker-d", "Failed")),
                NOW, STALE_AFTER);
        assertEquals(List.of("laptop-7", "worker-a", "worker-b-41", "worker-c", "worker-d"),
                w.stream().map(WorkerStatus::id).toList());
        assertNull(w.get(0).pod(), "a worker outside the cluster has no pod");
        assertEquals("worker-a", w.get(1).pod().name());
        assertEquals("worker-b", w.get(2).pod().name(), "joined by host name");
        assertEquals(WorkerState.STARTING, w.get(3).state());
        assertNull(w.get(3).heartbeat());
        assertEquals(WorkerState.STOPPED, w.get(4).state());
    }
}
