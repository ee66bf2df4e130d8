package dev.sdfarm.gateway.events;

import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.gateway.job.Job;
import dev.sdfarm.gateway.job.JobState;
import dev.sdfarm.gateway.job.JobUpdates;
import dev.sdfarm.gateway.webhook.WebhookOutbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

/**
 * Applies a worker's job event to the job row, once: under a row lock, an event counts only if its sequence
 * number is above the last one applied and the job has not ended. Redelivered events and the repeated events
 * of a job re-rendered after a crash therefore change nothing.
 */
@ApplicationScoped
public class JobEventApplier {
    private static final Logger LOG = Logger.getLogger(JobEventApplier.class);

    @Inject
    WebhookOutbox webhooks;

    /** True if the event changed the job. */
    @Transactional
    public boolean apply(JobEvent e) {
        Job job = Job.findById(e.jobId(), LockModeType.PESSIMISTIC_WRITE);
        if (job == null) {
            LOG.warnf("job %s: event %s for a job this farm does not know; ignored", e.jobId(), e.type());
            return false;
        }
        if (job.state.terminal() || e.seq() <= job.lastSeq) {
            return false;
        }
        JobState before = job.state;
        job.lastSeq = e.seq();
        job.step = Math.max(job.step, e.step());
        job.workerId = e.workerId();
        switch (e.type()) {
            case STARTED, PROGRESS -> {
                if (job.state == JobState.QUEUED) {
                    job.state = JobState.RUNNING;
                    job.startedAt = e.at();
                    LOG.infof("job %s: running on %s", job.id, e.workerId());
                }
            }
            case SUCCEEDED -> {
                job.state = JobState.SUCCEEDED;
                job.outputs = Messages.toJsonString(e.outputs());
                job.finishedAt = e.at();
                LOG.infof("job %s: succeeded, %d images", job.id, e.outputs().size());
            }
            case FAILED, CANCELLED -> {
                job.state = e.type() == dev.sdfarm.core.message.JobEventType.FAILED ? JobState.FAILED
                        : JobState.CANCELLED;
                job.error = e.error();
                job.finishedAt = e.at();
                LOG.infof("job %s: %s: %s", job.id, job.state, e.error());
            }
        }
        if (job.startedAt == null && job.state != JobState.QUEUED) {
            job.startedAt = e.at();
        }
        JobUpdates.notifyChanged(job.id);
        if (job.state != before) {
            webhooks.jobChanged(job);
        }
        return true;
    }
}
