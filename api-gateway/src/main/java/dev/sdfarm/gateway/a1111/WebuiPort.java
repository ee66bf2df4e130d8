package dev.sdfarm.gateway.a1111;

import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Serves the whole API on a second address too, by default webui's own {@code 127.0.0.1:7860} in local mode,
 * so scripts written for a local webui reach the farm unchanged ({@code sdfarm.a1111.port}; unset in the Helm
 * chart). Same routes, same authentication.
 */
@ApplicationScoped
public class WebuiPort {
    private static final Logger LOG = Logger.getLogger(WebuiPort.class);

    @ConfigProperty(name = "sdfarm.a1111.port")
    Optional<Integer> port;
    @ConfigProperty(name = "sdfarm.a1111.host", defaultValue = "127.0.0.1")
    String host;
    @ConfigProperty(name = "quarkus.http.limits.max-header-size", defaultValue = "16K")
    io.quarkus.runtime.configuration.MemorySize maxHeader;

    private HttpServer server;

    void listen(@Observes Router router, Vertx vertx) {
        if (port.isEmpty()) {
            return;
        }
        HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port.get())
                .setMaxHeaderSize((int) maxHeader.asLongValue());
        try {
            server = vertx.createHttpServer(options).requestHandler(router).listen()
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            LOG.infof("webui-compatible API also on http://%s:%d/sdapi/v1", host, server.actualPort());
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port.get()
                    + " for the webui-compatible API (sdfarm.a1111.port): " + e.getMessage(), e);
        }
    }

    /** The port actually bound (differs from the configured one when that is 0), or -1. */
    public int actualPort() {
        return server == null ? -1 : server.actualPort();
    }

    void stop(@Observes ShutdownEvent e) {
        if (server != null) {
            server.close();
        }
    }
}
