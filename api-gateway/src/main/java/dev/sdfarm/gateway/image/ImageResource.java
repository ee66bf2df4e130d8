package dev.sdfarm.gateway.image;

import dev.sdfarm.core.store.NoSuchObjectException;
import dev.sdfarm.core.store.ObjectKeys;
import dev.sdfarm.core.store.ObjectStore;
import dev.sdfarm.gateway.auth.Caller;
import dev.sdfarm.gateway.auth.CurrentCaller;
import dev.sdfarm.gateway.auth.Role;
import dev.sdfarm.gateway.problem.ProblemException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.InputStream;

/**
 * Serves a job's images to their owner, and any tenant's to operators and admins (the dashboard shows every
 * tenant's jobs). Image keys are {@code outputs/<tenant>/<job>/<n>.png}; any other key, or for a submitter
 * another tenant's, is answered exactly like a missing one.
 */
@Path("/v1/images")
public class ImageResource {
    @Inject
    CurrentCaller caller;
    @Inject
    ObjectStore store;

    @GET
    @Path("/{key: .+}")
    public Response get(@PathParam("key") String key) throws IOException {
        Caller c = caller.require(Role.SUBMITTER);
        String readable = c.role().includes(Role.OPERATOR) ? "outputs/" : "outputs/" + c.tenantId() + "/";
        try {
            ObjectKeys.require(key);
        } catch (IllegalArgumentException e) {
            throw ProblemException.notFound("no image " + key);
        }
        if (!key.startsWith(readable)) {
            throw ProblemException.notFound("no image " + key);
        }
        InputStream in;
        try {
            in = store.open(key);
        } catch (NoSuchObjectException e) {
            throw ProblemException.notFound("no image " + key);
        }
        return Response.ok(in, ObjectKeys.contentType(key)).header("Cache-Control", "private, max-age=86400")
                .build();
    }
}
