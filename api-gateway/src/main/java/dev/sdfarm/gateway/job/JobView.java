package dev.sdfarm.gateway.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.core.message.GenerationParams;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A job as its owner sees it ({@code GET /v1/jobs/{id}}, each SSE event, webhook bodies). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(
        @JsonProperty("id") UUID id,
        @JsonProperty("state") JobState state,
        @JsonProperty("priority") String priority,
        @JsonProperty("model") String model,
        @JsonProperty("model_sha256") String modelSha256,
        @JsonProperty("params") GenerationParams params,
        @JsonProperty("queue_position") Long queuePosition,
        @JsonProperty("progress") Progress progress,
        @JsonProperty("outputs") List<Output> outputs,
        @JsonProperty("error") String error,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("started_at") Instant startedAt,
        @JsonProperty("finished_at") Instant finishedAt) {

    /** Sampling steps done out of all of the job's ({@code n_iter × steps}). */
    public record Progress(@JsonProperty("step") int step, @JsonProperty("total_steps") int totalSteps,
                           @JsonProperty("fraction") double fraction) {
    }

    /** One image: where to fetch it, its seed and its infotext. */
    public record Output(@JsonProperty("index") int index, @JsonProperty("url") String url,
                         @JsonProperty("seed") long seed, @JsonProperty("width") int width,
                         @JsonProperty("height") int height, @JsonProperty("infotext") String infotext) {
    }
}
