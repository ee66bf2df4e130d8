package dev.sdfarm.gateway.worker;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.core.message.WorkerHeartbeat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A worker as {@code GET /v1/workers} shows it. What comes from the heartbeat is null for a pod that has sent
 * none; {@code pod} is null off Kubernetes or when no worker pod matches.
 */
public record WorkerView(@JsonProperty("id") String id, @JsonProperty("host") String host,
                         @JsonProperty("backend") String backend, @JsonProperty("state") WorkerState state,
                         @JsonProperty("last_seen") Instant lastSeen, @JsonProperty("memory") Memory memory,
                         @JsonProperty("resident_bytes") Long residentBytes,
                         @JsonProperty("resident_models") List<ResidentModel> residentModels,
                         @JsonProperty("current_jobs") List<UUID> currentJobs, @JsonProperty("pod") WorkerPod pod) {
    /** The worker JVM's heap. */
    public record Memory(@JsonProperty("heap_used_bytes") long heapUsedBytes,
                         @JsonProperty("heap_max_bytes") long heapMaxBytes) {
    }

    /** A model the worker holds resident; {@code name} is null when the sha256 is not registered. */
    public record ResidentModel(@JsonProperty("sha256") String sha256, @JsonProperty("name") String name) {
    }

    /** {@code modelNames}: registered names by sha256. */
    static WorkerView of(WorkerStatus w, Map<String, String> modelNames) {
        WorkerHeartbeat hb = w.heartbeat();
        if (hb == null) {
            return new WorkerView(w.id(), null, null, w.state(), null, null, null, List.of(), List.of(), w.pod());
        }
        return new WorkerView(w.id(), hb.host(), hb.backend(), w.state(), w.lastSeen(),
                new Memory(hb.heapUsedBytes(), hb.heapMaxBytes()), hb.residentBytes(),
                hb.residentModels().stream().map(sha -> new ResidentModel(sha, modelNames.get(sha))).toList(),
                hb.currentJobs(), w.pod());
    }
}
