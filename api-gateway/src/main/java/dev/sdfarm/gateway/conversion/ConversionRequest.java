package dev.sdfarm.gateway.conversion;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The body of {@code POST /v1/conversions}: a checkpoint in the store, where the output goes, and how. */
public record ConversionRequest(@JsonProperty("source") String source,
                                @JsonProperty("dest_prefix") String destPrefix,
                                @JsonProperty("options") ConversionOptions options) {
}
