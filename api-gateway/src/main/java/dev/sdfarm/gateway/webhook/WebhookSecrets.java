package dev.sdfarm.gateway.webhook;

import dev.sdfarm.gateway.auth.Tenant;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * Tenants' webhook secrets ({@code whsec_} + 64 hex digits, 256 random bits) and the signature made with them:
 * {@code Sdfarm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the whole secret
 * text>}. Secrets are never logged.
 */
@ApplicationScoped
public class WebhookSecrets {
    public static final String PREFIX = "whsec_";
    private static final Logger LOG = Logger.getLogger(WebhookSecrets.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return PREFIX + HexFormat.of().formatHex(b);
    }

    /** The {@code Sdfarm-Signature} header value for {@code body} sent at {@code unixSeconds}. */
    public static String signature(String secret, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Tenants created before webhooks existed get a secret (an admin rotates it to learn it). */
    @Transactional
    void onStart(@Observes StartupEvent e) {
        List<Tenant> without = Tenant.list("webhookSecret is null");
        for (Tenant t : without) {
            t.webhookSecret = generate();
        }
        if (!without.isEmpty()) {
            LOG.infof("webhook secrets made for %d existing tenants; rotate one to learn it", without.size());
        }
    }
}
