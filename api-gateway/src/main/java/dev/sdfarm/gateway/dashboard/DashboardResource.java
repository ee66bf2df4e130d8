package dev.sdfarm.gateway.dashboard;

import dev.sdfarm.gateway.auth.CurrentCaller;
import dev.sdfarm.gateway.auth.Role;
import dev.sdfarm.gateway.job.JobState;
import dev.sdfarm.gateway.outbox.OutboxRelay;
import dev.sdfarm.gateway.problem.ProblemException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.apache.kafka.common.KafkaException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** The operator dashboard's API: the farm across all tenants (operator or admin role). */
@Path("/v1/dashboard")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class DashboardResource {
    @Inject
    CurrentCaller caller;
    @Inject
    OverviewQueries overview;
    @Inject
    AllTenantJobs jobs;
    @Inject
    DeadLetters deadLetters;
    @Inject
    JobRequeue requeue;
    @Inject
    OutboxRelay relay;
    @ConfigProperty(name = "sdfarm.dashboard.stream-interval", defaultValue = "2s")
    Duration streamInterval;

    /** Queues, consumer lag, active jobs, backlogs, and the last hour's throughput and step latency. */
    @GET
    @Path("/overview")
    public Overview overview() {
        caller.require(Role.OPERATOR);
        return overview.overview();
    }

    /** The overview now, then every {@code sdfarm.dashboard.stream-interval} (Server-Sent Events). */
    @GET
    @Path("/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<Overview> stream() {
        caller.require(Role.OPERATOR);
        return Multi.createFrom().ticks().startingAfter(Duration.ofMillis(1)).every(streamInterval)
                .onOverflow().drop()
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(tick -> overview.overview());
    }

    /** Every tenant's jobs, newest first; {@code before} is the {@code next} of the previous page. */
    @GET
    @Path("/jobs")
    public DashboardJob.Page jobs(@QueryParam("state") String state, @QueryParam("tenant") String tenant,
                                  @QueryParam("limit") @DefaultValue("50") int limit,
                                  @QueryParam("before") String before) {
        caller.require(Role.OPERATOR);
        if (limit < 1 || limit > AllTenantJobs.MAX_LIMIT) {
            throw ProblemException.badRequest("limit must be between 1 and " + AllTenantJobs.MAX_LIMIT);
        }
        JobState s = null;
        if (state != null && !state.isBlank()) {
            try {
                s = JobState.valueOf(state.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("state must be one of queued, running, succeeded, failed, "
                        + "cancelled");
            }
        }
        return jobs.list(s, tenant == null || tenant.isBlank() ? null : tenant.trim(), limit,
                before == null || before.isBlank() ? null : JobCursor.decode(before));
    }

    /** One job of any tenant: parameters, progress, outputs (image URLs) and an events summary. */
    @GET
    @Path("/jobs/{id}")
    public DashboardJob.Detail job(@PathParam("id") UUID id) {
        caller.require(Role.OPERATOR);
        return jobs.detail(id);
    }

    /** The images of the latest succeeded jobs of all tenants, newest first. */
    @GET
    @Path("/gallery")
    public List<GalleryImage> gallery(@QueryParam("limit") @DefaultValue("24") int limit) {
        caller.require(Role.OPERATOR);
        if (limit < 1 || limit > AllTenantJobs.MAX_LIMIT) {
            throw ProblemException.badRequest("limit must be between 1 and " + AllTenantJobs.MAX_LIMIT);
        }
        return jobs.gallery(limit);
    }

    /** The newest records of the request topics' dead-letter topics, newest first per topic. */
    @GET
    @Path("/dlq")
    public List<DeadLetter> deadLetters() {
        caller.require(Role.OPERATOR);
        try {
            return deadLetters.list();
        } catch (KafkaException e) {
            throw kafkaUnavailable(e);
        }
    }

    private static ProblemException kafkaUnavailable(KafkaException e) {
        return new ProblemException(503, "kafka-unavailable", "Kafka unavailable", "the dead-letter topics could "
                + "not be read: " + e.getMessage() + "; try again when Kafka is reachable", null, Duration.ofSeconds(5));
    }

    /** Puts a dead-lettered request back on its origin topic (see {@link JobRequeue}); 202. */
    @POST
    @Path("/dlq/{topic}/{partition}/{offset}/requeue")
    public Response requeue(@PathParam("topic") String topic, @PathParam("partition") int partition,
                            @PathParam("offset") long offset) {
        caller.require(Role.OPERATOR);
        DeadLetter record;
        try {
            record = deadLetters.read(topic, partition, offset).orElseThrow(() -> ProblemException.notFound(
                    "no dead-letter record " + topic + "/" + partition + "@" + offset + " (the topics are "
                            + String.join(", ", DeadLetters.TOPICS.keySet().stream().sorted().toList()) + ")"));
        } catch (KafkaException e) {
            throw kafkaUnavailable(e);
        }
        JobRequeue.Result r = requeue.requeue(record);
        if (r.requeued()) {
            relay.wake();
        }
        return Response.accepted(r).build();
    }
}
