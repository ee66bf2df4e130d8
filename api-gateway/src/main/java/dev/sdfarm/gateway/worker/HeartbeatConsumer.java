package dev.sdfarm.gateway.worker;

import dev.sdfarm.core.KafkaConnection;
import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.WorkerHeartbeat;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads {@code sdfarm.worker.heartbeats} into {@link LatestHeartbeats}. Every gateway instance must see every
 * heartbeat, so this is a plain consumer with no group: it assigns itself all partitions, starts each at the
 * heartbeats of the last {@code sdfarm.workers.lookback} (so the alive workers show right after a start) and
 * commits nothing. Partitions are looked for every 2 s until the topic exists, then every 30 s. An unreadable
 * heartbeat is skipped with a warning (at most one a minute, with the count of the others).
 */
@ApplicationScoped
public class HeartbeatConsumer {
    private static final Logger LOG = Logger.getLogger(HeartbeatConsumer.class);
    private static final long FIND_TOPIC_MS = 2_000;
    private static final long FIND_NEW_PARTITIONS_MS = 30_000;
    private static final long WARN_EVERY_MS = 60_000;

    @Inject
    KafkaConnection kafka;
    @Inject
    WorkersConfig config;
    @Inject
    LatestHeartbeats heartbeats;

    private final Set<TopicPartition> assigned = new HashSet<>();
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;
    private long lastWarning;
    private int quietWarnings;

    void start(@Observes StartupEvent e) {
        running = true;
        thread = Thread.ofPlatform().name("worker-heartbeats").daemon().start(this::run);
    }

    void stop(@Observes ShutdownEvent e) throws InterruptedException {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(5_000);
        }
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(kafka.clientConfig(Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "sdfarm-gateway-heartbeats",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest")),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            long nextLook = 0;
            while (running) {
                try {
                    if (System.currentTimeMillis() >= nextLook) {
                        assignNewPartitions(c);
                        nextLook = System.currentTimeMillis()
                                + (assigned.isEmpty() ? FIND_TOPIC_MS : FIND_NEW_PARTITIONS_MS);
                    }
                    if (assigned.isEmpty()) {
                        TimeUnit.MILLISECONDS.sleep(200);
                        continue;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(1))) {
                        accept(r);
                    }
                } catch (WakeupException ex) {
                    // stop() asked; the loop condition ends it
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (KafkaException ex) {
                    warn("heartbeats not read: %s (retrying)", ex.getMessage());
                    pause();
                }
            }
        } catch (RuntimeException ex) {
            LOG.errorf(ex, "heartbeat consumer stopped: %s", ex.getMessage());
        }
    }

    private void assignNewPartitions(KafkaConsumer<byte[], byte[]> c) {
        List<PartitionInfo> infos = c.partitionsFor(Topics.WORKER_HEARTBEATS, Duration.ofSeconds(5));
        Map<TopicPartition, Long> since = new HashMap<>();
        long from = Instant.now().minus(config.lookback()).toEpochMilli();
        for (PartitionInfo p : infos == null ? List.<PartitionInfo>of() : infos) {
            TopicPartition tp = new TopicPartition(p.topic(), p.partition());
            if (!assigned.contains(tp)) {
                since.put(tp, from);
            }
        }
        if (since.isEmpty()) {
            return;
        }
        List<TopicPartition> all = new ArrayList<>(assigned);
        all.addAll(since.keySet());
        c.assign(all);
        Map<TopicPartition, OffsetAndTimestamp> offsets = c.offsetsForTimes(since, Duration.ofSeconds(5));
        List<TopicPartition> toEnd = new ArrayList<>();
        for (TopicPartition tp : since.keySet()) {
            OffsetAndTimestamp o = offsets.get(tp);
            if (o != null) {
                c.seek(tp, o.offset());
            } else {
                toEnd.add(tp); // nothing that recent: only what comes next
            }
        }
        if (!toEnd.isEmpty()) {
            c.seekToEnd(toEnd); // an empty list would mean all assigned partitions
        }
        assigned.addAll(since.keySet());
        LOG.infof("reading worker heartbeats from %d partition(s) of %s, from %s on", since.size(),
                Topics.WORKER_HEARTBEATS, config.lookback());
    }

    private void accept(ConsumerRecord<byte[], byte[]> r) {
        try {
            heartbeats.put(Messages.fromJson(r.value(), WorkerHeartbeat.class), Instant.ofEpochMilli(r.timestamp()));
        } catch (RuntimeException ex) {
            warn("unreadable heartbeat skipped (partition %d, offset %d): %s", r.partition(), r.offset(),
                    ex.getMessage());
        }
    }

    /** One warning a minute at most; the ones held back are counted in the next. */
    private void warn(String format, Object... args) {
        long now = System.currentTimeMillis();
        if (now - lastWarning < WARN_EVERY_MS) {
            quietWarnings++;
            LOG.debugf(format, args);
            return;
        }
        String more = quietWarnings == 0 ? "" : " (and " + quietWarnings + " more since the last warning)";
        LOG.warn(String.format(format, args) + more);
        lastWarning = now;
        quietWarnings = 0;
    }

    private static void pause() {
        try {
            TimeUnit.SECONDS.sleep(1);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
