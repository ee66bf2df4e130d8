package dev.sdfarm.gateway.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * At startup: makes sure the bootstrap tenant exists, and the bootstrap admin key if one is configured, so a
 * fresh farm can be administered (and the loopback tenant can submit) without touching the database.
 */
@ApplicationScoped
public class Bootstrap {
    private static final Logger LOG = Logger.getLogger(Bootstrap.class);

    @Inject
    AuthConfig config;
    @ConfigProperty(name = "sdfarm.tenants.default-max-active-jobs", defaultValue = "10000")
    int defaultMaxActive;
    @ConfigProperty(name = "sdfarm.tenants.default-rate-per-second", defaultValue = "2000")
    double defaultRate;

    @Transactional
    void onStart(@Observes StartupEvent e) {
        String tenantId = config.bootstrapTenant();
        if (Tenant.findById(tenantId) == null) {
            Tenant t = new Tenant();
            t.id = tenantId;
            t.name = tenantId;
            t.maxActiveJobs = defaultMaxActive;
            t.ratePerSecond = defaultRate;
            t.createdAt = Instant.now();
            t.webhookSecret = dev.sdfarm.gateway.webhook.WebhookSecrets.generate();
            t.persist();
            LOG.infof("tenant %s created", tenantId);
        }
        config.bootstrapAdminKey().ifPresent(text -> {
            KeyTokens.Token token = KeyTokens.parse(text).orElseThrow(() -> new IllegalArgumentException(
                    "sdfarm.auth.bootstrap-admin-key is not an sdfarm key (sdf_ + 16 + _ + 32 base62 characters)"));
            ApiKey k = ApiKey.findById(token.id());
            if (k == null) {
                k = new ApiKey();
                k.id = token.id();
                k.tenantId = tenantId;
                k.name = "bootstrap admin";
                k.createdAt = Instant.now();
            }
            k.role = Role.ADMIN;
            k.secretHash = KeyTokens.hash(token.secret());
            k.revokedAt = null;
            k.persist();
            LOG.infof("bootstrap admin key %s ready for tenant %s", token, tenantId);
        });
    }
}
