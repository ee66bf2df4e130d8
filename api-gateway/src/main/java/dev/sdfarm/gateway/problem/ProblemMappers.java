package dev.sdfarm.gateway.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Every error leaves as a problem body. Client mistakes are logged in one line without a stack trace; a bug
 * is logged with its stack trace under an id that the client also sees, and nothing internal reaches it.
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return respond(e, uri);
    }

    /** Jackson's binding errors; named so they win over the framework's own 400 mapper for them. */
    @ServerExceptionMapper
    public Response binding(MismatchedInputException e, UriInfo uri) {
        return json(e, uri);
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, UriInfo uri) {
        String where = e instanceof MismatchedInputException m && !m.getPath().isEmpty()
                ? m.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
                : "[" + r.getIndex() + "]").collect(Collectors.joining(".")) : null;
        if (e instanceof UnrecognizedPropertyException u) {
            return respond(ProblemException.unsupported("unknown field \"" + u.getPropertyName()
                    + "\"; this API does not support it"), uri);
        }
        String detail = e instanceof InvalidFormatException f
                ? "cannot read " + f.getValue() + " as " + f.getTargetType().getSimpleName()
                : e.getOriginalMessage();
        if (where != null) {
            return respond(ProblemException.invalid(List.of(new Problem.FieldError(where, detail))), uri);
        }
        return respond(ProblemException.badRequest("the body is not valid JSON: " + detail), uri);
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, UriInfo uri) {
        return respond(ProblemException.notFound("no resource at " + uri.getPath()), uri);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        return respond(new ProblemException(status, "http-" + status,
                Response.Status.fromStatusCode(status) != null ? Response.Status.fromStatusCode(status)
                        .getReasonPhrase() : "HTTP " + status, e.getMessage(), null, null), uri);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "internal error %s on %s", id, uri.getPath());
        return respond(new ProblemException(500, "internal", "Internal error",
                "the server failed on this request; the operators can find it under error id " + id, null, null),
                uri);
    }

    private static Response respond(ProblemException e, UriInfo uri) {
        if (e.status() >= 400 && e.status() < 500) {
            LOG.debugf("%d on %s: %s", e.status(), uri.getPath(), e.getMessage());
        }
        Response.ResponseBuilder r = Response.status(e.status()).type(Problem.MEDIA_TYPE)
                .entity(e.toProblem(uri.getPath()));
        if (e.retryAfter() != null) {
            r.header("Retry-After", Math.max(1, (e.retryAfter().toMillis() + 999) / 1000));
        }
        return r.build();
    }
}
