package dev.sdfarm.gateway.dashboard;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.UUID;

/** One image of a recently succeeded job, for the dashboard's gallery; {@code url} is under /v1/images. */
public record GalleryImage(
        @JsonProperty("job_id") UUID jobId,
        @JsonProperty("tenant") String tenant,
        @JsonProperty("prompt") String prompt,
        @JsonProperty("finished_at") Instant finishedAt,
        @JsonProperty("url") String url,
        @JsonProperty("seed") long seed,
        @JsonProperty("width") int width,
        @JsonProperty("height") int height) {
}
