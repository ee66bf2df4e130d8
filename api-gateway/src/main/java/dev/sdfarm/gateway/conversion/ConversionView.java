package dev.sdfarm.gateway.conversion;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.gateway.model.ModelResource;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A conversion as operators see it. Lists leave out {@code log_tail}; {@code result} and {@code model} are there
 * once it SUCCEEDED.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConversionView(
        @JsonProperty("id") UUID id,
        @JsonProperty("bulk_id") UUID bulkId,
        @JsonProperty("state") ConversionState state,
        @JsonProperty("source") String source,
        @JsonProperty("output") String output,
        @JsonProperty("options") ConversionOptions options,
        @JsonProperty("launcher") String launcher,
        @JsonProperty("kubernetes_job") String kubernetesJob,
        @JsonProperty("progress") Progress progress,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("log_tail") List<String> logTail,
        @JsonProperty("error") String error,
        @JsonProperty("result") Result result,
        @JsonProperty("model") ModelResource.ModelView model,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("started_at") Instant startedAt,
        @JsonProperty("finished_at") Instant finishedAt) {

    /** Percent done and the phase the converter is in (download, convert, upload). */
    public record Progress(@JsonProperty("percent") int percent, @JsonProperty("phase") String phase) {
    }

    /** What the converter reported: hashes and sizes of source and output, and how long it took. */
    public record Result(@JsonProperty("source_sha256") String sourceSha256,
                         @JsonProperty("output_sha256") String outputSha256,
                         @JsonProperty("bytes_in") long bytesIn, @JsonProperty("bytes_out") long bytesOut,
                         @JsonProperty("bytes_saved") long bytesSaved, @JsonProperty("seconds") double seconds,
                         @JsonProperty("family") String family, @JsonProperty("warnings") List<String> warnings) {
    }
}
