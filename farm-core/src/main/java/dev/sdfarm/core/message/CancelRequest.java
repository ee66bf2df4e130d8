package dev.sdfarm.core.message;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.UUID;

/**
 * "Stop this job", on {@code sdfarm.job.control} keyed by job id. Every worker reads the whole topic (its own
 * consumer group), skips the job if it has not started it yet and stops it between steps if it has.
 */
public record CancelRequest(@JsonProperty("v") int version, @JsonProperty("job_id") UUID jobId,
                            @JsonProperty("at") Instant at) {
    public static final int VERSION = 1;

    public CancelRequest {
        Messages.requireVersion("cancel request", version, VERSION);
        Messages.required("cancel request", "job_id", jobId);
    }

    public static CancelRequest of(UUID jobId, Instant at) {
        return new CancelRequest(VERSION, jobId, at);
    }
}
