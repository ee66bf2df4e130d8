package dev.sdfarm.gateway.metrics;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import dev.sdfarm.core.KafkaConnection;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Map;

/** One Kafka admin client for the gateway's health check and queue-lag gauges, made on first use. */
@ApplicationScoped
public class KafkaAdmin {
    @Inject
    KafkaConnection kafka;

    private Admin admin;

    public synchronized Admin get() {
        if (admin == null) {
            admin = Admin.create(kafka.clientConfig(Map.of(
                    AdminClientConfig.CLIENT_ID_CONFIG, "sdfarm-gateway-admin",
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000)));
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
    }
}
