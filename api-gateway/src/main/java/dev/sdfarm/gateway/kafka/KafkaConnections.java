package dev.sdfarm.gateway.kafka;

import dev.sdfarm.core.KafkaConnection;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;

/** The gateway's own Kafka clients (outbox producer, admin) connect with the {@code kafka.*} settings. */
public class KafkaConnections {
    @Produces
    @Singleton
    KafkaConnection connection(Config config) {
        return KafkaConnection.fromConfig(name -> config.getOptionalValue(name, String.class));
    }
}
