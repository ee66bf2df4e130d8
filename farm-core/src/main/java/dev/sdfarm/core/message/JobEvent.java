package dev.sdfarm.core.message;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A job's progress, on {@code sdfarm.job.events} keyed by job id. Sequence numbers are a function of where the
 * job is, not of who renders it ({@link #STARTED_SEQ}, then one per finished step, then the terminal event at
 * {@code totalSteps + 2}), so a job re-rendered after a worker crash emits the same numbers again and the
 * gateway applies each position once: an event is news only if its {@code seq} is above the last one applied.
 *
 * @param step   sampling steps finished so far, over the whole job ({@code n_iter × steps} in all)
 * @param error  why the job failed (FAILED and CANCELLED), else null
 */
public record JobEvent(
        @JsonProperty("v") int version,
        @JsonProperty("job_id") UUID jobId,
        @JsonProperty("seq") long seq,
        @JsonProperty("type") JobEventType type,
        @JsonProperty("at") Instant at,
        @JsonProperty("worker_id") String workerId,
        @JsonProperty("step") int step,
        @JsonProperty("total_steps") int totalSteps,
        @JsonProperty("outputs") List<OutputImage> outputs,
        @JsonProperty("error") String error) {
    public static final int VERSION = 1;
    public static final long STARTED_SEQ = 1;

    public JobEvent {
        Messages.requireVersion("job event", version, VERSION);
        Messages.required("job event", "job_id", jobId);
        Messages.required("job event", "type", type);
        outputs = outputs == null ? List.of() : List.copyOf(outputs);
    }

    public static JobEvent started(UUID jobId, String workerId, int totalSteps, Instant at) {
        return new JobEvent(VERSION, jobId, STARTED_SEQ, JobEventType.STARTED, at, workerId, 0, totalSteps, null,
                null);
    }

    public static JobEvent progress(UUID jobId, String workerId, int step, int totalSteps, Instant at) {
        return new JobEvent(VERSION, jobId, STARTED_SEQ + step, JobEventType.PROGRESS, at, workerId, step,
                totalSteps, null, null);
    }

    public static JobEvent succeeded(UUID jobId, String workerId, int totalSteps, List<OutputImage> outputs,
                                     Instant at) {
        return new JobEvent(VERSION, jobId, terminalSeq(totalSteps), JobEventType.SUCCEEDED, at, workerId,
                totalSteps, totalSteps, outputs, null);
    }

    /** FAILED or CANCELLED after {@code step} steps. */
    public static JobEvent ended(JobEventType type, UUID jobId, String workerId, int step, int totalSteps,
                                 String error, Instant at) {
        if (!type.terminal() || type == JobEventType.SUCCEEDED) {
            throw new IllegalArgumentException(type + " is not a failure");
        }
        return new JobEvent(VERSION, jobId, terminalSeq(totalSteps), type, at, workerId, step, totalSteps, null,
                error);
    }

    /** The sequence number of a job's terminal event. */
    public static long terminalSeq(int totalSteps) {
        return STARTED_SEQ + totalSteps + 1;
    }
}
