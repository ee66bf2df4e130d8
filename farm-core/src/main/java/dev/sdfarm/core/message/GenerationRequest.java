package dev.sdfarm.core.message;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.UUID;

/**
 * One job for a worker, on {@code sdfarm.generation.requests.*} keyed by the model's sha256. Outputs go to
 * {@code outputPrefix + index + ".png"}, so a re-render after a crash overwrites rather than duplicates.
 */
public record GenerationRequest(
        @JsonProperty("v") int version,
        @JsonProperty("job_id") UUID jobId,
        @JsonProperty("tenant_id") String tenantId,
        @JsonProperty("model") ModelRef model,
        @JsonProperty("params") GenerationParams params,
        @JsonProperty("output_prefix") String outputPrefix,
        @JsonProperty("submitted_at") Instant submittedAt) {
    public static final int VERSION = 1;

    public GenerationRequest {
        Messages.requireVersion("generation request", version, VERSION);
        Messages.required("generation request", "job_id", jobId);
        Messages.required("generation request", "tenant_id", tenantId);
        Messages.required("generation request", "model", model);
        Messages.required("generation request", "params", params);
        Messages.required("generation request", "output_prefix", outputPrefix);
    }

    public static GenerationRequest of(UUID jobId, String tenantId, ModelRef model, GenerationParams params,
                                       Instant submittedAt) {
        return new GenerationRequest(VERSION, jobId, tenantId, model, params, outputPrefix(tenantId, jobId),
                submittedAt);
    }

    /** Where a job's images go: {@code outputs/<tenant>/<job>/}. */
    public static String outputPrefix(String tenantId, UUID jobId) {
        return "outputs/" + tenantId + "/" + jobId + "/";
    }
}
