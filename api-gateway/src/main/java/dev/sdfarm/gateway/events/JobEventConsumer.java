package dev.sdfarm.gateway.events;

import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.MessageFormatException;
import dev.sdfarm.core.message.Messages;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code sdfarm.job.events}. The offset moves on only after the event is applied and committed, so a
 * gateway crash replays events, which the applier ignores if already seen. An unreadable event is logged and
 * skipped: it cannot change a job and must not stop the others.
 */
@ApplicationScoped
public class JobEventConsumer {
    private static final Logger LOG = Logger.getLogger(JobEventConsumer.class);

    @Inject
    JobEventApplier applier;
    @Inject
    MeterRegistry metrics;

    @Incoming("job-events")
    @Blocking
    public void consume(byte[] payload) {
        JobEvent event;
        try {
            event = Messages.fromJson(payload, JobEvent.class);
        } catch (MessageFormatException e) {
            LOG.warnf("unreadable job event skipped: %s", e.getMessage());
            return;
        }
        if (applier.apply(event)) {
            metrics.counter("sdfarm.job.events.applied", "type", event.type().name()).increment();
        } else {
            metrics.counter("sdfarm.job.events.ignored").increment();
        }
    }
}
