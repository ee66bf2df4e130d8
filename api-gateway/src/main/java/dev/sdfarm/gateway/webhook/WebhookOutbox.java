package dev.sdfarm.gateway.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdfarm.gateway.job.Job;
import dev.sdfarm.gateway.job.JobService;
import dev.sdfarm.gateway.job.JobState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/**
 * Records the webhook deliveries a job change calls for, in the transaction that makes the change (so a
 * change is told if and only if it is committed). Told: RUNNING and the three ends; progress steps are not.
 */
@ApplicationScoped
public class WebhookOutbox {
    private static final Set<JobState> TOLD = EnumSet.of(JobState.RUNNING, JobState.SUCCEEDED, JobState.FAILED,
            JobState.CANCELLED);

    @Inject
    JobService jobs;
    @Inject
    ObjectMapper json;
    @Inject
    TransactionSynchronizationRegistry transactions;
    @Inject
    WebhookRelay relay;

    /** Call inside the transaction that has just moved {@code job} to its current state. */
    public void jobChanged(Job job) {
        if (job.webhookUrl == null || !TOLD.contains(job.state)) {
            return;
        }
        // The body is the view as GET will show it: timestamps as the database keeps them (microseconds).
        Job.getEntityManager().flush();
        Job.getEntityManager().refresh(job);
        WebhookDelivery d = new WebhookDelivery();
        d.eventId = UUID.randomUUID();
        d.jobId = job.id;
        d.tenantId = job.tenantId;
        d.url = job.webhookUrl;
        d.event = job.state.name();
        try {
            d.payload = json.writeValueAsString(jobs.view(job));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        d.state = WebhookDelivery.PENDING;
        d.createdAt = Instant.now();
        d.nextAttemptAt = d.createdAt;
        d.persist();
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    relay.wake();
                }
            }
        });
    }
}
