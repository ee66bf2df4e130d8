package dev.sdfarm.gateway.dashboard;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.UUID;

/**
 * A record on a dead-letter topic, with why the worker gave it up (its {@code sdfarm-*} headers).
 *
 * @param origin   {@code topic/partition@offset} of the request it copies
 * @param jobId    the job of the request, when the value is a readable generation request
 * @param value    the record's bytes, to requeue; not shown
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(
        @JsonProperty("topic") String topic,
        @JsonProperty("partition") int partition,
        @JsonProperty("offset") long offset,
        @JsonProperty("timestamp") Instant timestamp,
        @JsonProperty("key") String key,
        @JsonProperty("error") String error,
        @JsonProperty("attempts") Integer attempts,
        @JsonProperty("origin") String origin,
        @JsonProperty("job_id") UUID jobId,
        @JsonProperty("tenant") String tenant,
        @JsonProperty("value_bytes") int valueBytes,
        @JsonIgnore byte[] value) {

    /** The topic the record came from: the origin header's topic. */
    @JsonIgnore
    public String originTopic() {
        if (origin == null) {
            return null;
        }
        int slash = origin.lastIndexOf('/');
        return slash < 0 ? origin : origin.substring(0, slash);
    }
}
