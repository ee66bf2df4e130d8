package dev.sdfarm.gateway.outbox;

import dev.sdfarm.core.KafkaConnection;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes the outbox: takes the oldest rows ({@code FOR UPDATE SKIP LOCKED}, so several gateways share the
 * work), sends them, waits until the broker has acknowledged every one (acks=all, idempotent producer), and
 * only then deletes them in the same transaction. A crash anywhere in between leaves the rows to be sent
 * again: delivery is at least once, and consumers are idempotent. Woken by each submission, and polls.
 */
@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 500;

    @Inject
    AgroalDataSource dataSource;
    @Inject
    MeterRegistry metrics;
    @Inject
    KafkaConnection kafka;
    @ConfigProperty(name = "sdfarm.outbox.poll-ms", defaultValue = "250")
    long pollMillis;

    private final AtomicLong published = new AtomicLong();
    private PollingLoop loop;
    private KafkaProducer<String, byte[]> producer;

    void start(@Observes StartupEvent e) {
        producer = new KafkaProducer<>(kafka.clientConfig(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.CLIENT_ID_CONFIG, "sdfarm-gateway-outbox")),
                new StringSerializer(), new ByteArraySerializer());
        metrics.gauge("sdfarm.outbox.published", published);
        loop = new PollingLoop("outbox-relay", Duration.ofMillis(pollMillis), () -> relayOnce() == BATCH);
        loop.start();
    }

    void stop(@Observes ShutdownEvent e) throws InterruptedException {
        if (loop != null) {
            loop.stop();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Something was written to the outbox: publish it now rather than at the next poll. */
    public void wake() {
        if (loop != null) {
            loop.wake();
        }
    }

    /** Publishes one batch; returns how many rows it sent. */
    int relayOnce() throws SQLException, InterruptedException, Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Long> ids = new ArrayList<>();
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                try (PreparedStatement select = c.prepareStatement(
                        "select id, topic, msg_key, payload from outbox order by id limit ? for update skip locked")) {
                    select.setInt(1, BATCH);
                    try (ResultSet rs = select.executeQuery()) {
                        while (rs.next()) {
                            ids.add(rs.getLong(1));
                            sent.add(producer.send(new ProducerRecord<>(rs.getString(2), rs.getString(3),
                                    rs.getBytes(4))));
                        }
                    }
                }
                if (ids.isEmpty()) {
                    c.rollback();
                    return 0;
                }
                producer.flush();
                for (Future<RecordMetadata> f : sent) {
                    f.get(30, TimeUnit.SECONDS);
                }
                try (PreparedStatement delete = c.prepareStatement("delete from outbox where id = any (?)")) {
                    Array array = c.createArrayOf("bigint", ids.toArray());
                    delete.setArray(1, array);
                    delete.executeUpdate();
                }
                c.commit();
                published.addAndGet(ids.size());
                return ids.size();
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
        }
    }

}
