package dev.sdfarm.gateway.conversion;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.List;

/**
 * What the converter reports for a finished conversion: the last stdout line {@code result <json>}, and the same
 * JSON at the {@code --result} key of the store. Fields added later by the converter are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ConverterResult(
        @JsonProperty("source_key") String sourceKey,
        @JsonProperty("source_sha256") String sourceSha256,
        @JsonProperty("output_key") String outputKey,
        @JsonProperty("output_sha256") String outputSha256,
        @JsonProperty("bytes_in") long bytesIn,
        @JsonProperty("bytes_out") long bytesOut,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("family") String family,
        @JsonProperty("precision") String precision,
        @JsonProperty("ema") String ema,
        @JsonProperty("warnings") List<String> warnings) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Parses the result JSON; an {@link IOException} that says what is missing when it is not one. */
    public static ConverterResult parse(byte[] json) throws IOException {
        ConverterResult r = JSON.readValue(json, ConverterResult.class);
        if (r.outputKey() == null || r.outputSha256() == null || !r.outputSha256().matches("[0-9a-f]{64}")
                || r.sourceSha256() == null || !r.sourceSha256().matches("[0-9a-f]{64}")) {
            throw new IOException("the converter's result lacks output_key or a sha256: " + new String(json,
                    java.nio.charset.StandardCharsets.UTF_8));
        }
        return r;
    }

    public List<String> warningsOrEmpty() {
        return warnings == null ? List.of() : warnings;
    }
}
