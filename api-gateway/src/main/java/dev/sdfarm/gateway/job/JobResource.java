package dev.sdfarm.gateway.job;

import dev.sdfarm.gateway.auth.Caller;
import dev.sdfarm.gateway.auth.CurrentCaller;
import dev.sdfarm.gateway.auth.Role;
import dev.sdfarm.gateway.outbox.OutboxRelay;
import dev.sdfarm.gateway.problem.ProblemException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.persistence.PersistenceException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** The native job API. */
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {
    private static final int MAX_IDEMPOTENCY_KEY = 200;

    @Inject
    CurrentCaller caller;
    @Inject
    JobService jobs;
    @Inject
    OutboxRelay relay;
    @Inject
    JobUpdates updates;

    /** Queues a txt2img job; 202 with the job. The same Idempotency-Key and body return the same job. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response submit(JobRequest request, @HeaderParam("Idempotency-Key") String idempotencyKey) {
        Caller c = caller.require(Role.SUBMITTER);
        if (request == null) {
            throw ProblemException.badRequest("a JSON body with the job's parameters is required");
        }
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY)) {
            throw ProblemException.badRequest("Idempotency-Key must have 1 to " + MAX_IDEMPOTENCY_KEY + " characters");
        }
        JobService.Submission s = submitOnce(c, request, idempotencyKey);
        if (s.created()) {
            relay.wake();
        }
        Response.ResponseBuilder r = Response.accepted(s.job()).location(URI.create("/v1/jobs/" + s.job().id()));
        if (!s.created()) {
            r.header("Idempotent-Replayed", "true");
        }
        return r.build();
    }

    private JobService.Submission submitOnce(Caller c, JobRequest request, String idempotencyKey) {
        try {
            return jobs.submit(c, request, idempotencyKey);
        } catch (PersistenceException e) {
            // Two submissions with one Idempotency-Key raced; the other one's job stands.
            if (idempotencyKey != null) {
                var earlier = jobs.byIdempotencyKey(c.tenantId(), idempotencyKey);
                if (earlier.isPresent()) {
                    return jobs.replay(earlier.get(), JobService.requestHash(request));
                }
            }
            throw e;
        }
    }

    @GET
    @Path("/{id}")
    public JobView get(@PathParam("id") UUID id) {
        return jobs.view(caller.require(Role.SUBMITTER), id);
    }

    /** The caller's jobs, newest first; {@code state} filters, {@code page} counts from 0. */
    @GET
    public List<JobView> list(@QueryParam("state") String state, @QueryParam("page") @DefaultValue("0") int page,
                              @QueryParam("size") @DefaultValue("50") int size) {
        Caller c = caller.require(Role.SUBMITTER);
        if (page < 0 || size < 1 || size > 500) {
            throw ProblemException.badRequest("page must be >= 0 and size between 1 and 500");
        }
        JobState s = null;
        if (state != null && !state.isBlank()) {
            try {
                s = JobState.valueOf(state.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("state must be one of queued, running, succeeded, failed, cancelled");
            }
        }
        return jobs.list(c, s, page, size);
    }

    /** Cancels a queued or running job. */
    @DELETE
    @Path("/{id}")
    public Response cancel(@PathParam("id") UUID id) {
        JobView v = jobs.cancel(caller.require(Role.SUBMITTER), id);
        relay.wake();
        return Response.accepted(v).build();
    }

    /** The job now, then again at every change, until it ends (Server-Sent Events). */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @Blocking
    public Multi<JobView> events(@PathParam("id") UUID id) {
        Caller c = caller.require(Role.SUBMITTER);
        JobView first = jobs.view(c, id); // 404 for jobs that are not the caller's
        return updates.follow(c, first);
    }
}
