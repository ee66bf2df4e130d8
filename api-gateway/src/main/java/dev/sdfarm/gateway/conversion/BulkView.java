package dev.sdfarm.gateway.conversion;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A bulk conversion: how many conversions it made and skipped, how many are in each state, and one page of its
 * conversions (newest first).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BulkView(
        @JsonProperty("id") UUID id,
        @JsonProperty("source_prefix") String sourcePrefix,
        @JsonProperty("dest_prefix") String destPrefix,
        @JsonProperty("options") ConversionOptions options,
        @JsonProperty("count") int count,
        @JsonProperty("skipped") int skipped,
        @JsonProperty("skipped_sources") List<String> skippedSources,
        @JsonProperty("states") Map<ConversionState, Long> states,
        @JsonProperty("conversions") List<ConversionView> conversions,
        @JsonProperty("created_at") Instant createdAt) {
}
