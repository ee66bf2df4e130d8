package dev.sdfarm.core.message;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One image a job produced: where it is stored, its seed and webui infotext, its size and hash. */
public record OutputImage(@JsonProperty("index") int index, @JsonProperty("key") String key,
                          @JsonProperty("seed") long seed, @JsonProperty("infotext") String infotext,
                          @JsonProperty("width") int width, @JsonProperty("height") int height,
                          @JsonProperty("bytes") long bytes, @JsonProperty("sha256") String sha256) {
}
