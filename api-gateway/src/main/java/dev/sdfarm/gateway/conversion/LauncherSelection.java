package dev.sdfarm.gateway.conversion;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;

import java.util.Locale;

/**
 * The launcher of this gateway: {@code sdfarm.conversions.launcher}, or by default Kubernetes inside a cluster
 * ({@code KUBERNETES_SERVICE_HOST} is set) and local child processes elsewhere. Only the chosen one is created.
 */
@ApplicationScoped
public class LauncherSelection {
    @Produces
    @ApplicationScoped
    JobLauncher launcher(ConversionConfig config, Instance<LocalProcessLauncher> local,
                         Instance<KubernetesJobLauncher> kubernetes) {
        String name = config.launcher().map(s -> s.trim().toLowerCase(Locale.ROOT))
                .orElse(System.getenv("KUBERNETES_SERVICE_HOST") != null ? "kubernetes" : "local");
        return switch (name) {
            case "local" -> local.get();
            case "kubernetes" -> kubernetes.get();
            default -> throw new IllegalArgumentException("sdfarm.conversions.launcher is '" + name
                    + "'; use local or kubernetes");
        };
    }
}
