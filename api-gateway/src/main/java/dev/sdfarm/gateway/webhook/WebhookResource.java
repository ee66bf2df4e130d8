package dev.sdfarm.gateway.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.gateway.auth.Caller;
import dev.sdfarm.gateway.auth.CurrentCaller;
import dev.sdfarm.gateway.auth.Role;
import dev.sdfarm.gateway.job.Job;
import dev.sdfarm.gateway.problem.ProblemException;
import io.quarkus.panache.common.Sort;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The webhook deliveries of the caller's own job: what was sent where, and how it went. */
@Path("/v1/jobs/{id}/webhooks")
@Produces(MediaType.APPLICATION_JSON)
public class WebhookResource {
    @Inject
    CurrentCaller caller;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeliveryView(@JsonProperty("event_id") UUID eventId, @JsonProperty("event") String event,
                               @JsonProperty("url") String url, @JsonProperty("state") String state,
                               @JsonProperty("attempts") int attempts,
                               @JsonProperty("last_status") Integer lastStatus,
                               @JsonProperty("last_error") String lastError,
                               @JsonProperty("created_at") Instant createdAt,
                               @JsonProperty("last_attempt_at") Instant lastAttemptAt,
                               @JsonProperty("next_attempt_at") Instant nextAttemptAt,
                               @JsonProperty("delivered_at") Instant deliveredAt) {
    }

    /** Oldest first; 404 for a job that is not the caller's. */
    @GET
    @Transactional
    public List<DeliveryView> list(@PathParam("id") UUID id) {
        Caller c = caller.require(Role.SUBMITTER);
        if (Job.findOwned(id, c.tenantId()) == null) {
            throw ProblemException.notFound("no job " + id);
        }
        return WebhookDelivery.<WebhookDelivery>find("jobId", Sort.ascending("id"), id).list().stream()
                .map(d -> new DeliveryView(d.eventId, d.event, d.url, d.state, d.attempts, d.lastStatus,
                        d.lastError, d.createdAt, d.lastAttemptAt,
                        WebhookDelivery.PENDING.equals(d.state) ? d.nextAttemptAt : null, d.deliveredAt))
                .toList();
    }
}
