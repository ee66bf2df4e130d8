package dev.sdfarm.gateway.dashboard;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.gateway.job.Job;
import dev.sdfarm.gateway.job.JobState;
import dev.sdfarm.gateway.job.JobUpdates;
import dev.sdfarm.gateway.outbox.OutboxMessage;
import dev.sdfarm.gateway.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.UUID;

/**
 * Puts a dead-lettered request back on the queue. The worker marked its job FAILED when it gave up, and a
 * finished job ignores later events, so the job goes back to QUEUED (progress cleared) in the same transaction
 * as the outbox row that republishes the record's value, with its key, to the topic it came from. Requeueing a
 * job that is queued or running again publishes nothing (202, {@code requeued: false}); one that has since
 * succeeded or been cancelled is a conflict.
 */
@ApplicationScoped
public class JobRequeue {
    private static final Logger LOG = Logger.getLogger(JobRequeue.class);

    /** The outcome: whether this call put the request back, and where. */
    public record Result(@JsonProperty("job_id") UUID jobId, @JsonProperty("requeued") boolean requeued,
                         @JsonProperty("topic") String topic, @JsonProperty("state") JobState state) {
    }

    @Transactional
    public Result requeue(DeadLetter record) {
        String origin = record.originTopic();
        String twin = DeadLetters.TOPICS.get(record.topic());
        if (origin == null) {
            origin = twin; // dead-lettered without the header: its twin is where it came from
        }
        if (!origin.equals(twin)) {
            throw ProblemException.conflict("the record's " + DeadLetters.ORIGIN_HEADER + " header names " + origin
                    + ", not " + twin + "; requests are only requeued to the topic of their dead-letter twin");
        }
        if (record.jobId() == null || record.value() == null) {
            throw ProblemException.unsupported("the record at " + coordinates(record) + " is not a readable "
                    + "generation request; requeueing it would only dead-letter it again");
        }
        Job job = Job.findById(record.jobId(), LockModeType.PESSIMISTIC_WRITE);
        if (job == null) {
            throw ProblemException.conflict("the record at " + coordinates(record) + " is for job " + record.jobId()
                    + ", which this farm does not have");
        }
        switch (job.state) {
            case QUEUED, RUNNING -> {
                return new Result(job.id, false, origin, job.state);
            }
            case SUCCEEDED, CANCELLED -> throw ProblemException.conflict("job " + job.id + " has since ended ("
                    + job.state + "); there is nothing to requeue");
            case FAILED -> {
                // falls through to requeue below
            }
        }
        Instant now = Instant.now();
        job.state = JobState.QUEUED;
        job.step = 0;
        job.lastSeq = 0;
        job.workerId = null;
        job.error = null;
        job.startedAt = null;
        job.finishedAt = null;
        OutboxMessage.of(origin, record.key(), record.value(), now).persist();
        JobUpdates.notifyChanged(job.id);
        LOG.infof("job %s: requeued from %s to %s", job.id, coordinates(record), origin);
        return new Result(job.id, true, origin, job.state);
    }

    private static String coordinates(DeadLetter r) {
        return r.topic() + "/" + r.partition() + "@" + r.offset();
    }
}
