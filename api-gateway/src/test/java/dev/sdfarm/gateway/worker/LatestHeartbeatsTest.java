package dev.sdfarm.gateway.worker;

import dev.sdfarm.core.message.WorkerHeartbeat;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LatestHeartbeatsTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final LatestHeartbeats heartbeats = new LatestHeartbeats(3, Duration.ofMinutes(10),
            Clock.fixed(NOW, ZoneOffset.UTC));

    static WorkerHeartbeat beat(String id, Instant at, long heapUsed) {
        return new WorkerHeartbeat(WorkerHeartbeat.VERSION, id, "host", "cpu", at, heapUsed, 100, 0, List.of(),
                List.of());
    }

    private List<String> ids() {
        return heartbeats.current().stream().map(s -> s.heartbeat().workerId()).toList();
    }

    @Test
    void keepsTheLatestHeartbeatOfEachWorker() {
        heartbeats.put(beat("a", NOW.minusSeconds(10), 1), NOW);
        heartbeats.put(beat("a", NOW.minusSeconds(5), 2), NOW);
        heartbeats.put(beat("a", NOW.minusSeconds(7), 3), NOW); // arrived late: older than the one kept
        assertEquals(1, heartbeats.current().size());
        assertEquals(2, heartbeats.current().getFirst().heartbeat().heapUsedBytes());
        assertEquals(NOW.minusSeconds(5), heartbeats.current().getFirst().at());
    }

    @Test
    void aHeartbeatWithoutItsTimeIsDatedByItsRecord() {
        heartbeats.put(beat("a", null, 1), NOW.minusSeconds(3));
        assertEquals(NOW.minusSeconds(3), heartbeats.current().getFirst().at());
    }

    @Test
    void forgetsWorkersNotHeardFromForTheForgetPeriod() {
        heartbeats.put(beat("gone", NOW.minus(Duration.ofMinutes(11)), 1), NOW);
        heartbeats.put(beat("here", NOW.minus(Duration.ofMinutes(9)), 1), NOW);
        assertEquals(List.of("here"), ids());
    }

    @Test
    void dropsTheWorkerHeardFromLongestAgoWhenFull() {
        heartbeats.put(beat("a", NOW, 1), NOW);
        heartbeats.put(beat("b", NOW, 1), NOW);
        heartbeats.put(beat("c", NOW, 1), NOW);
        heartbeats.put(beat("a", NOW.plusSeconds(5), 1), NOW); // a is heard from again: b is now the eldest
        heartbeats.put(beat("d", NOW, 1), NOW);
        assertEquals(List.of("c", "a", "d"), ids());
    }
}
