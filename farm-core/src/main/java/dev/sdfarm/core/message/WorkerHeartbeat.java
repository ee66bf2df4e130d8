package dev.sdfarm.core.message;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A worker's periodic "I am alive", on {@code sdfarm.worker.heartbeats} keyed by worker id: where it runs, on
 * which backend, its memory, the models it holds resident (sha256) and the job it is rendering (or null).
 */
public record WorkerHeartbeat(
        @JsonProperty("v") int version,
        @JsonProperty("worker_id") String workerId,
        @JsonProperty("host") String host,
        @JsonProperty("backend") String backend,
        @JsonProperty("at") Instant at,
        @JsonProperty("heap_used_bytes") long heapUsedBytes,
        @JsonProperty("heap_max_bytes") long heapMaxBytes,
        @JsonProperty("resident_bytes") long residentBytes,
        @JsonProperty("resident_models") List<String> residentModels,
        @JsonProperty("current_jobs") List<UUID> currentJobs) {
    public static final int VERSION = 1;

    public WorkerHeartbeat {
        Messages.requireVersion("worker heartbeat", version, VERSION);
        Messages.required("worker heartbeat", "worker_id", workerId);
        residentModels = residentModels == null ? List.of() : List.copyOf(residentModels);
        currentJobs = currentJobs == null ? List.of() : List.copyOf(currentJobs);
    }
}
