package dev.sdfarm.worker;

import dev.sdfarm.core.KafkaConnection;
import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.CancelRequest;
import dev.sdfarm.core.message.MessageFormatException;
import dev.sdfarm.core.message.Messages;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The jobs clients have cancelled, read from {@code sdfarm.job.control}. Every worker reads the whole retained
 * topic in a consumer group of its own, so it knows of cancellations made before it started; the newest
 * 100,000 are remembered.
 */
final class Cancellations implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Cancellations.class);
    private static final int REMEMBERED = 100_000;

    private final Set<UUID> cancelled = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(1024, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    Cancellations(KafkaConnection kafka, String workerId) {
        consumer = new KafkaConsumer<>(kafka.clientConfig(Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "sdfarm-worker-control-" + workerId + "-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(Topics.JOB_CONTROL));
        thread = Thread.ofPlatform().name("cancellations").daemon().start(this::run);
    }

    boolean isCancelled(UUID jobId) {
        return cancelled.contains(jobId);
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        cancelled.add(Messages.fromJson(r.value(), CancelRequest.class).jobId());
                    } catch (MessageFormatException e) {
                        LOG.warnf("unreadable cancel request skipped: %s", e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
