package dev.sdfarm.gateway.conversion;

import dev.sdfarm.gateway.auth.CurrentCaller;
import dev.sdfarm.gateway.auth.Role;
import dev.sdfarm.gateway.problem.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Conversions: slim checkpoints of the store into new models (operators and admins; conversions are the farm's,
 * not a tenant's). The output is registered as a model with its lineage when the conversion succeeds.
 */
@Path("/v1/conversions")
@Produces(MediaType.APPLICATION_JSON)
public class ConversionResource {
    private static final int MAX_PAGE = 500;

    @Inject
    CurrentCaller caller;
    @Inject
    ConversionService conversions;

    /**
     * Queues the conversion of one checkpoint; 202 with the conversion. The output key is
     * {@code <dest_prefix><stem>-<precision>[-ema-<mode>].<format>}.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response submit(ConversionRequest request) {
        caller.require(Role.OPERATOR);
        if (request == null) {
            throw ProblemException.badRequest("a JSON body is required: {\"source\": \"models/raw/x.ckpt\"}");
        }
        ConversionView v = conversions.submit(request);
        return Response.accepted(v).location(URI.create("/v1/conversions/" + v.id())).build();
    }

    /** Queues one conversion per checkpoint under {@code source_prefix}, skipping those converted alike before. */
    @POST
    @Path("/bulk")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response bulk(BulkRequest request) {
        caller.require(Role.OPERATOR);
        if (request == null) {
            throw ProblemException.badRequest("a JSON body is required: {\"source_prefix\": \"models/raw/\"}");
        }
        BulkView v = conversions.bulk(request);
        return Response.accepted(v).location(URI.create("/v1/conversions/bulk/" + v.id())).build();
    }

    /** A bulk conversion: counts by state and a page of its conversions. */
    @GET
    @Path("/bulk/{id}")
    public BulkView bulkView(@PathParam("id") UUID id, @QueryParam("page") @DefaultValue("0") int page,
                             @QueryParam("size") @DefaultValue("50") int size) {
        caller.require(Role.OPERATOR);
        checkPage(page, size);
        return conversions.bulkView(id, page, size);
    }

    /** Conversions, newest first; {@code state} filters, {@code page} counts from 0. */
    @GET
    public List<ConversionView> list(@QueryParam("state") String state,
                                     @QueryParam("page") @DefaultValue("0") int page,
                                     @QueryParam("size") @DefaultValue("50") int size) {
        caller.require(Role.OPERATOR);
        checkPage(page, size);
        ConversionState s = null;
        if (state != null && !state.isBlank()) {
            try {
                s = ConversionState.valueOf(state.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("state must be one of queued, running, succeeded, failed");
            }
        }
        return conversions.list(s, page, size);
    }

    /** One conversion with its progress, log tail and, once it succeeded, its result and model. */
    @GET
    @Path("/{id}")
    public ConversionView get(@PathParam("id") UUID id) {
        caller.require(Role.OPERATOR);
        return conversions.get(id);
    }

    /** Stops a queued or running conversion (it ends as FAILED, "cancelled"); 409 if it has ended. */
    @DELETE
    @Path("/{id}")
    public Response cancel(@PathParam("id") UUID id) {
        caller.require(Role.OPERATOR);
        return Response.accepted(conversions.cancel(id)).build();
    }

    private static void checkPage(int page, int size) {
        if (page < 0 || size < 1 || size > MAX_PAGE) {
            throw ProblemException.badRequest("page must be >= 0 and size between 1 and " + MAX_PAGE);
        }
    }
}
