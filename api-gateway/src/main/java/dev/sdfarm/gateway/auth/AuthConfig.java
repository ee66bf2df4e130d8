package dev.sdfarm.gateway.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** {@code sdfarm.auth.*}: who may call without credentials, and the key that bootstraps administration. */
@ConfigMapping(prefix = "sdfarm.auth")
public interface AuthConfig {
    /**
     * Tenant that callers on the loopback interface act as when they send no credentials (so local scripts
     * written for webui work unchanged); empty turns this off, as it is in the Helm chart.
     */
    Optional<String> loopbackTenant();

    /** Role of such loopback callers. */
    @WithDefault("SUBMITTER")
    Role loopbackRole();

    /** An admin key ({@code sdf_<id>_<secret>}) to create or keep at startup, for the first tenant and keys. */
    Optional<String> bootstrapAdminKey();

    /** Tenant the bootstrap key and the loopback callers belong to; created at startup if missing. */
    @WithDefault("local")
    String bootstrapTenant();

    /** How long a verified key is trusted before it is looked up again (so a revocation takes this long). */
    @WithDefault("30")
    int keyCacheSeconds();
}
