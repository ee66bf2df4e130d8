package dev.sdfarm.core.message;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The checkpoint a job renders with: its sha256 (the identity workers cache and verify by), where it lies in
 * the object store, and the name webui writes into the infotext ("Model: ...").
 */
public record ModelRef(@JsonProperty("sha256") String sha256, @JsonProperty("key") String key,
                       @JsonProperty("name") String name) {
    public ModelRef {
        Messages.required("model", "sha256", sha256);
        Messages.required("model", "key", key);
        Messages.required("model", "name", name);
    }
}
