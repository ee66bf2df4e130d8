package dev.sdfarm.local;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.util.Map;

/**
 * An in-process single-node KRaft broker for tests (Kafka's own test kit), in the test's JVM so the broker and the
 * clients are the same Kafka version (the Quarkus BOM's).
 *
 * <p>A module that uses it adds, at test scope, {@code dev.sdfarm:farm-local} and
 * {@code org.apache.kafka:kafka-test-common-runtime} (version managed by the root pom); farm-local declares the
 * latter optional so it never reaches a service's runtime. Typical use from a Quarkus test resource:
 * <pre>{@code
 *   broker = KafkaTestBroker.start();
 *   return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
 *   ...
 *   broker.close();
 * }</pre>
 *
 * <p>The test kit's defaults assume three brokers ({@code offsets.topic.replication.factor=3}); with one, the
 * consumer-offsets topic is never created and consumers silently receive nothing. Every internal topic is set to
 * replication factor 1 here.
 */
public final class KafkaTestBroker implements AutoCloseable {
    /** The replication-factor-1 settings a single broker needs. */
    public static final Map<String, String> SINGLE_NODE_CONFIG = Map.of(
            "offsets.topic.replication.factor", "1",
            "offsets.topic.num.partitions", "1",
            "transaction.state.log.replication.factor", "1",
            "transaction.state.log.min.isr", "1",
            "share.coordinator.state.topic.replication.factor", "1",
            "share.coordinator.state.topic.min.isr", "1",
            "default.replication.factor", "1",
            "min.insync.replicas", "1",
            "group.initial.rebalance.delay.ms", "0",
            "auto.create.topics.enable", "true");

    private final KafkaClusterTestKit cluster;

    private KafkaTestBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Formats and starts the broker; returns when it is ready. */
    public static KafkaTestBroker start() throws Exception {
        return start(Map.of());
    }

    /** As {@link #start()}, with extra broker settings (applied after {@link #SINGLE_NODE_CONFIG}). */
    public static KafkaTestBroker start(Map<String, String> extraConfig) throws Exception {
        KafkaClusterTestKit.Builder b = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build());
        SINGLE_NODE_CONFIG.forEach(b::setConfigProp);
        extraConfig.forEach(b::setConfigProp);
        KafkaClusterTestKit cluster = b.build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            try {
                cluster.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new KafkaTestBroker(cluster);
    }

    /** For {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Stops the broker and deletes its files. */
    @Override
    public void close() {
        try {
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the test broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("stopping the test broker failed", e);
        }
    }
}
