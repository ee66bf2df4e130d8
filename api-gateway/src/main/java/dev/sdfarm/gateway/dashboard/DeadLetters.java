package dev.sdfarm.gateway.dashboard;

import dev.sdfarm.core.KafkaConnection;
import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.GenerationRequest;
import dev.sdfarm.core.message.Messages;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads the request topics' dead-letter topics for the dashboard. Each call uses a short-lived consumer that
 * assigns partitions and seeks (no consumer group, nothing committed), so looking never moves anyone's offsets.
 */
@ApplicationScoped
public class DeadLetters {
    /** The dead-letter topics shown, in order, with the request topic each one's records came from. */
    public static final Map<String, String> TOPICS = Map.of(
            Topics.deadLetter(Topics.GENERATION_INTERACTIVE), Topics.GENERATION_INTERACTIVE,
            Topics.deadLetter(Topics.GENERATION_BATCH), Topics.GENERATION_BATCH);
    /** Newest records listed per topic. */
    public static final int PER_TOPIC = 200;
    static final String ERROR_HEADER = "sdfarm-error";
    static final String ATTEMPTS_HEADER = "sdfarm-attempts";
    static final String ORIGIN_HEADER = "sdfarm-origin";

    @Inject
    KafkaConnection kafka;
    @ConfigProperty(name = "sdfarm.dashboard.dlq-read-timeout", defaultValue = "5s")
    Duration readTimeout;

    /** The newest {@link #PER_TOPIC} records of each dead-letter topic, newest first. */
    public List<DeadLetter> list() {
        List<DeadLetter> all = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            for (String topic : TOPICS.keySet().stream().sorted().toList()) {
                List<TopicPartition> parts = partitions(c, topic);
                if (parts.isEmpty()) {
                    continue;
                }
                c.assign(parts);
                Map<TopicPartition, Long> ends = c.endOffsets(parts, readTimeout);
                Map<TopicPartition, Long> starts = c.beginningOffsets(parts, readTimeout);
                Map<TopicPartition, Long> remaining = new HashMap<>();
                for (TopicPartition tp : parts) {
                    long from = Math.max(starts.get(tp), ends.get(tp) - PER_TOPIC);
                    c.seek(tp, from);
                    if (ends.get(tp) > from) {
                        remaining.put(tp, ends.get(tp));
                    }
                }
                List<DeadLetter> fromTopic = new ArrayList<>();
                long deadline = System.nanoTime() + readTimeout.toNanos();
                while (!remaining.isEmpty() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                        fromTopic.add(toDeadLetter(r));
                    }
                    remaining.keySet().removeIf(tp -> c.position(tp) >= remaining.get(tp));
                }
                fromTopic.sort(Comparator.comparing(DeadLetter::timestamp).thenComparing(DeadLetter::offset)
                        .reversed());
                all.addAll(fromTopic.subList(0, Math.min(PER_TOPIC, fromTopic.size())));
            }
        }
        return all;
    }

    /** The record at {@code topic/partition@offset} of a dead-letter topic, if it is (still) there. */
    public Optional<DeadLetter> read(String topic, int partition, long offset) {
        if (!TOPICS.containsKey(topic)) {
            return Optional.empty();
        }
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            TopicPartition tp = new TopicPartition(topic, partition);
            if (partitions(c, topic).stream().noneMatch(tp::equals)) {
                return Optional.empty();
            }
            c.assign(List.of(tp));
            long start = c.beginningOffsets(List.of(tp), readTimeout).get(tp);
            long end = c.endOffsets(List.of(tp), readTimeout).get(tp);
            if (offset < start || offset >= end) {
                return Optional.empty();
            }
            c.seek(tp, offset);
            long deadline = System.nanoTime() + readTimeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() == offset) {
                        return Optional.of(toDeadLetter(r));
                    }
                    if (r.offset() > offset) {
                        return Optional.empty(); // compacted or a transaction marker
                    }
                }
            }
            throw new org.apache.kafka.common.errors.TimeoutException("could not read " + topic + "/" + partition + "@" + offset + " within "
                    + readTimeout);
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, String topic) {
        if (!c.listTopics(readTimeout).containsKey(topic)) {
            return List.of(); // nothing was ever dead-lettered there
        }
        List<PartitionInfo> info = c.partitionsFor(topic, readTimeout);
        return info.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(kafka.clientConfig(Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "sdfarm-gateway-dlq-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, PER_TOPIC,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) readTimeout.toMillis())),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static DeadLetter toDeadLetter(ConsumerRecord<String, byte[]> r) {
        UUID jobId = null;
        String tenant = null;
        try {
            GenerationRequest g = Messages.fromJson(r.value(), GenerationRequest.class);
            jobId = g.jobId();
            tenant = g.tenantId();
        } catch (RuntimeException e) {
            // not a readable request (why it may have been dead-lettered): listed without a job
        }
        String attempts = header(r, ATTEMPTS_HEADER);
        Integer n = null;
        if (attempts != null) {
            try {
                n = Integer.parseInt(attempts.trim());
            } catch (NumberFormatException e) {
                n = null;
            }
        }
        return new DeadLetter(r.topic(), r.partition(), r.offset(), Instant.ofEpochMilli(r.timestamp()), r.key(),
                header(r, ERROR_HEADER), n, header(r, ORIGIN_HEADER), jobId, tenant,
                r.value() == null ? 0 : r.value().length, r.value());
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
