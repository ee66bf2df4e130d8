package dev.sdfarm.gateway.dashboard;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The dashboard page is static ({@code META-INF/resources/dashboard/}); {@code /dashboard} without the slash
 * is sent to it, so the page's relative paths resolve.
 */
@ApplicationScoped
public class DashboardPage {
    void routes(@Observes Router router) {
        // Vert.x matches "/dashboard" with or without the slash; only the bare path is redirected.
        router.getWithRegex("/dashboard").handler(rc -> rc.redirect("/dashboard/"));
    }
}
