package dev.sdfarm.gateway.auth;

import dev.sdfarm.gateway.problem.Problem;
import dev.sdfarm.gateway.problem.ProblemException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Finds the caller of every API request: {@code Authorization: Bearer <key>}, or HTTP Basic with the key as
 * the password (how webui clients send {@code --api-auth} credentials; the user name is ignored). Without
 * credentials, a loopback caller is the configured local tenant if there is one. A request with credentials
 * that do not verify is refused even from loopback, so a mistyped key never silently acts as someone else.
 */
public class AuthenticationFilter {
    @Inject
    KeyVerifier verifier;
    /** Looked up per request: filters are built at static init, before runtime configuration exists. */
    @Inject
    Instance<AuthConfig> config;
    @Inject
    CurrentCaller current;

    /** Runs on the resource method's thread (a worker for blocking methods), as key lookups may query. */
    @ServerRequestFilter
    public Optional<Response> authenticate(ContainerRequestContext ctx, HttpServerRequest request) {
        String path = ctx.getUriInfo().getPath();
        if (path.startsWith("/q/")) {
            return Optional.empty();
        }
        String header = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            AuthConfig auth = config.get();
            if (auth.loopbackTenant().isPresent() && isLoopback(request)) {
                current.set(new Caller(auth.loopbackTenant().get(), null, auth.loopbackRole()));
            }
            return Optional.empty(); // endpoints that need a caller refuse with 401
        }
        Optional<Caller> caller = presentedKey(header).flatMap(verifier::verify);
        if (caller.isEmpty()) {
            ProblemException e = ProblemException.unauthorized(
                    "the API key is not valid (expected 'Authorization: Bearer sdf_...' or Basic with the key as password)");
            return Optional.of(Response.status(401).type(Problem.MEDIA_TYPE)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"sdfarm\", Basic realm=\"sdfarm\"")
                    .entity(e.toProblem(path)).build());
        }
        current.set(caller.get());
        return Optional.empty();
    }

    private static Optional<String> presentedKey(String header) {
        int space = header.indexOf(' ');
        if (space < 0) {
            return Optional.empty();
        }
        String scheme = header.substring(0, space);
        String value = header.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Bearer")) {
            return Optional.of(value);
        }
        if (scheme.equalsIgnoreCase("Basic")) {
            try {
                String decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon < 0 ? Optional.empty() : Optional.of(decoded.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static boolean isLoopback(HttpServerRequest request) {
        if (request.remoteAddress() == null || request.remoteAddress().hostAddress() == null) {
            return false;
        }
        try {
            return InetAddress.getByName(request.remoteAddress().hostAddress()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
