package dev.sdfarm.gateway.dashboard;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.gateway.job.JobState;
import dev.sdfarm.gateway.job.JobView;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A row of the dashboard's all-tenant job list. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DashboardJob(
        @JsonProperty("id") UUID id,
        @JsonProperty("tenant") String tenant,
        @JsonProperty("state") JobState state,
        @JsonProperty("priority") String priority,
        @JsonProperty("prompt") String prompt,
        @JsonProperty("progress") JobView.Progress progress,
        @JsonProperty("worker_id") String workerId,
        @JsonProperty("error") String error,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("started_at") Instant startedAt,
        @JsonProperty("finished_at") Instant finishedAt) {

    /** One page, newest first; {@code next} is the {@code before} of the next (older) page, null at the end. */
    public record Page(@JsonProperty("items") List<DashboardJob> items, @JsonProperty("next") String next) {
    }

    /**
     * One job in full: its owner's view (parameters, progress, outputs with image URLs) and what happened to it.
     */
    public record Detail(@JsonProperty("tenant") String tenant, @JsonProperty("job") JobView job,
                         @JsonProperty("events") Events events) {
    }

    /**
     * What the job's events left on it.
     *
     * @param lastSeq    the sequence number of the last event applied
     * @param workerId   the worker that took it
     * @param webhooks   webhook deliveries by state (PENDING, DELIVERED, FAILED)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Events(@JsonProperty("last_seq") long lastSeq, @JsonProperty("worker_id") String workerId,
                         @JsonProperty("webhooks") Map<String, Long> webhooks) {
    }
}
