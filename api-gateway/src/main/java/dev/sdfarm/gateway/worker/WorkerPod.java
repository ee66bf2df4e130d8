package dev.sdfarm.gateway.worker;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A worker pod as the Kubernetes API shows it. */
public record WorkerPod(@JsonProperty("name") String name, @JsonProperty("phase") String phase,
                        @JsonProperty("node") String node, @JsonProperty("gpus") int gpus,
                        @JsonProperty("restarts") int restarts, @JsonProperty("ready") boolean ready) {
    /** Failed or Succeeded: no worker runs in it any more. */
    boolean ended() {
        return "Failed".equals(phase) || "Succeeded".equals(phase);
    }
}
