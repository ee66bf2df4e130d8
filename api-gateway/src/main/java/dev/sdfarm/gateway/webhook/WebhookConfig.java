package dev.sdfarm.gateway.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code sdfarm.webhooks.*}: where webhooks may go, how they are sent and retried. */
@ConfigMapping(prefix = "sdfarm.webhooks")
public interface WebhookConfig {
    /**
     * Allow webhook URLs whose host is (or resolves to) a loopback, link-local, private or otherwise internal
     * address. Off in production (server-side request forgery); local mode and tests turn it on.
     */
    @WithDefault("false")
    boolean allowPrivate();

    /** Attempts per delivery, the first included; then it is marked FAILED. */
    @WithDefault("8")
    int maxAttempts();

    /** Wait after the first failed attempt; doubled after each further one, up to {@link #maxBackoff()}. */
    @WithDefault("1s")
    Duration initialBackoff();

    @WithDefault("5m")
    Duration maxBackoff();

    /** TCP connect timeout of one attempt. */
    @WithDefault("5s")
    Duration connectTimeout();

    /** Time from sending to the receiver's complete response; longer counts as a failed attempt. */
    @WithDefault("10s")
    Duration readTimeout();

    /** How often the relay looks for due deliveries (it is also woken by each new one on this instance). */
    @WithDefault("1s")
    Duration pollInterval();

    /** Deliveries sent at once by one gateway instance. */
    @WithDefault("16")
    int concurrency();
}
