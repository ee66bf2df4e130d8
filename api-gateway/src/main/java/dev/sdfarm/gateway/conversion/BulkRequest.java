package dev.sdfarm.gateway.conversion;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The body of {@code POST /v1/conversions/bulk}: every checkpoint under {@code source_prefix}. */
public record BulkRequest(@JsonProperty("source_prefix") String sourcePrefix,
                          @JsonProperty("dest_prefix") String destPrefix,
                          @JsonProperty("options") ConversionOptions options) {
}
