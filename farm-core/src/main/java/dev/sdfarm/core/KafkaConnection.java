package dev.sdfarm.core;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * How the farm's own Kafka clients (those outside SmallRye channels: the worker's consumers and producer, the
 * gateway's outbox producer and admin client) reach the brokers: the bootstrap servers and the settings that
 * secure the connection (SASL, TLS). Both are read from the {@code kafka.*} keys that SmallRye channels use too,
 * so one set of settings ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code KAFKA_SECURITY_PROTOCOL},
 * {@code KAFKA_SASL_MECHANISM}, {@code KAFKA_SASL_JAAS_CONFIG}, {@code KAFKA_SSL_TRUSTSTORE_LOCATION}, ...)
 * configures every client of a service.
 *
 * @param bootstrapServers {@code kafka.bootstrap.servers}
 * @param security         the {@link #SECURITY_KEYS} that are set, without their {@code kafka.} prefix
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> security) {
    /** Connection settings passed on to every client, as Kafka names them. */
    public static final List<String> SECURITY_KEYS = List.of(
            "security.protocol", "sasl.mechanism", "sasl.jaas.config", "sasl.login.callback.handler.class",
            "sasl.client.callback.handler.class", "sasl.oauthbearer.token.endpoint.url",
            "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type", "ssl.truststore.certificates",
            "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.key.password",
            "ssl.endpoint.identification.algorithm");

    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("kafka.bootstrap.servers is not set: set SDFARM_KAFKA or "
                    + "KAFKA_BOOTSTRAP_SERVERS to the brokers' host:port list");
        }
        security = Map.copyOf(security);
    }

    /** Reads the connection through a config lookup such as MicroProfile Config's {@code getOptionalValue}. */
    public static KafkaConnection fromConfig(Function<String, Optional<String>> lookup) {
        Map<String, String> security = new LinkedHashMap<>();
        for (String key : SECURITY_KEYS) {
            lookup.apply("kafka." + key).filter(v -> !v.isBlank()).ifPresent(v -> security.put(key, v));
        }
        return new KafkaConnection(lookup.apply("kafka.bootstrap.servers").orElse(null), security);
    }

    /** One client's settings: the bootstrap servers and connection security, then the client's own settings. */
    public Map<String, Object> clientConfig(Map<String, Object> own) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("bootstrap.servers", bootstrapServers);
        config.putAll(security);
        config.putAll(own);
        return config;
    }

    /** The servers and which security settings are set, never their values (passwords, JAAS lines). */
    @Override
    public String toString() {
        return "KafkaConnection[" + bootstrapServers + (security.isEmpty() ? "" : ", " + security.keySet()) + "]";
    }
}
