package dev.sdfarm.gateway;

import dev.sdfarm.local.KafkaTestBroker;
import dev.sdfarm.local.LocalPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The gateway's real surroundings for tests: an embedded PostgreSQL, an in-process single-node Kafka (KRaft)
 * broker and a file object store in a temporary folder, plus a known admin key.
 */
public class FarmTestResource implements QuarkusTestResourceLifecycleManager {
    /** The admin key the gateway is bootstrapped with. */
    public static final String ADMIN_KEY = "sdf_TestAdmin0000000_abcdefghijklmnopqrstuvwxyz012345";
    static volatile String bootstrapServers;
    static volatile Path storeRoot;

    private LocalPostgres postgres;
    private KafkaTestBroker kafka;

    @Override
    public Map<String, String> start() {
        try {
            postgres = LocalPostgres.startEphemeral();
            kafka = KafkaTestBroker.start();
            bootstrapServers = kafka.bootstrapServers();
            storeRoot = Files.createTempDirectory("sdfarm-gateway-store");
            return Map.of(
                    "quarkus.datasource.jdbc.url", postgres.jdbcUrl(),
                    "quarkus.datasource.username", postgres.user(),
                    "quarkus.datasource.password", postgres.password(),
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "sdfarm.store.location", storeRoot.toString(),
                    "sdfarm.auth.bootstrap-admin-key", ADMIN_KEY,
                    // Test receivers listen on loopback; short backoff keeps retry tests quick.
                    "sdfarm.webhooks.allow-private", "true",
                    "sdfarm.webhooks.initial-backoff", "500ms");
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test infrastructure: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        try {
            if (kafka != null) {
                kafka.close();
            }
            if (postgres != null) {
                postgres.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
