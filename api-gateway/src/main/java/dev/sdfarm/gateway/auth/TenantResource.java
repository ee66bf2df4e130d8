package dev.sdfarm.gateway.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sdfarm.gateway.problem.ProblemException;
import dev.sdfarm.gateway.webhook.WebhookSecrets;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.time.Instant;

/** Administration: tenants and their keys (admin role). A key's secret is shown once, at creation. */
@Path("/v1/tenants")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TenantResource {
    private static final Logger LOG = Logger.getLogger(TenantResource.class);

    @Inject
    CurrentCaller caller;
    @Inject
    KeyVerifier verifier;

    public record NewTenant(@JsonProperty("id") String id, @JsonProperty("name") String name,
                            @JsonProperty("max_active_jobs") Integer maxActiveJobs,
                            @JsonProperty("rate_per_second") Double ratePerSecond) {
    }

    /** A tenant; {@code webhook_secret} only in the answer to its creation (the one time it is shown). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TenantView(@JsonProperty("id") String id, @JsonProperty("name") String name,
                             @JsonProperty("max_active_jobs") int maxActiveJobs,
                             @JsonProperty("rate_per_second") double ratePerSecond,
                             @JsonProperty("webhook_secret") String webhookSecret) {
    }

    /** A tenant's new webhook secret, shown this once. */
    public record WebhookSecretView(@JsonProperty("tenant_id") String tenantId,
                                    @JsonProperty("webhook_secret") String webhookSecret) {
    }

    public record NewKey(@JsonProperty("role") Role role, @JsonProperty("name") String name) {
    }

    /** A freshly made key; {@code key} is the only time the secret is shown. */
    public record KeyView(@JsonProperty("id") String id, @JsonProperty("tenant_id") String tenantId,
                          @JsonProperty("role") Role role, @JsonProperty("key") String key) {
    }

    @POST
    @Transactional
    public Response create(NewTenant body) {
        caller.require(Role.ADMIN);
        if (body == null || body.id() == null || !body.id().matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw ProblemException.badRequest("tenant id must be 1-63 lowercase letters, digits or '-'");
        }
        if (Tenant.findById(body.id()) != null) {
            throw ProblemException.conflict("tenant '" + body.id() + "' exists");
        }
        Tenant t = new Tenant();
        t.id = body.id();
        t.name = body.name() == null ? body.id() : body.name();
        t.maxActiveJobs = body.maxActiveJobs() == null ? 1000 : body.maxActiveJobs();
        t.ratePerSecond = body.ratePerSecond() == null ? 100 : body.ratePerSecond();
        t.createdAt = Instant.now();
        t.webhookSecret = WebhookSecrets.generate();
        t.persist();
        LOG.infof("tenant %s created", t.id);
        return Response.status(201).entity(new TenantView(t.id, t.name, t.maxActiveJobs, t.ratePerSecond,
                t.webhookSecret)).build();
    }

    /**
     * Replaces the tenant's webhook secret and shows the new one. It signs every attempt from now on, retries
     * of earlier deliveries included; the old one stops working at once.
     */
    @POST
    @Path("/{tenant}/webhook-secret")
    @Consumes(MediaType.WILDCARD)
    @Transactional
    public WebhookSecretView rotateWebhookSecret(@PathParam("tenant") String tenantId) {
        caller.require(Role.ADMIN);
        Tenant t = Tenant.findById(tenantId);
        if (t == null) {
            throw ProblemException.notFound("no tenant " + tenantId);
        }
        t.webhookSecret = WebhookSecrets.generate();
        LOG.infof("webhook secret of tenant %s rotated", tenantId);
        return new WebhookSecretView(tenantId, t.webhookSecret);
    }

    @POST
    @Path("/{tenant}/keys")
    @Transactional
    public Response createKey(@PathParam("tenant") String tenantId, NewKey body) {
        caller.require(Role.ADMIN);
        if (Tenant.findById(tenantId) == null) {
            throw ProblemException.notFound("no tenant " + tenantId);
        }
        KeyTokens.Token token = KeyTokens.generate();
        ApiKey k = new ApiKey();
        k.id = token.id();
        k.tenantId = tenantId;
        k.role = body == null || body.role() == null ? Role.SUBMITTER : body.role();
        k.name = body == null || body.name() == null ? "" : body.name();
        k.secretHash = KeyTokens.hash(token.secret());
        k.createdAt = Instant.now();
        k.persist();
        LOG.infof("key %s (%s) created for tenant %s", token, k.role, tenantId);
        return Response.status(201).entity(new KeyView(k.id, tenantId, k.role, token.text())).build();
    }

    /** Revokes a key at once on this instance, and on others within the key cache time. */
    @POST
    @Path("/{tenant}/keys/{id}/revoke")
    @Transactional
    public Response revoke(@PathParam("tenant") String tenantId, @PathParam("id") String keyId) {
        caller.require(Role.ADMIN);
        ApiKey k = ApiKey.findById(keyId);
        if (k == null || !k.tenantId.equals(tenantId)) {
            throw ProblemException.notFound("no key " + keyId + " for tenant " + tenantId);
        }
        k.revokedAt = Instant.now();
        verifier.evict(keyId);
        return Response.noContent().build();
    }
}
