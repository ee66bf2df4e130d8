package dev.sdfarm.gateway.worker;

import dev.sdfarm.core.message.WorkerHeartbeat;

import java.time.Instant;

/** One worker now: its latest heartbeat and its pod, either of which may be missing (not both). */
public record WorkerStatus(String id, WorkerState state, Instant lastSeen, WorkerHeartbeat heartbeat,
                           WorkerPod pod) {
}
