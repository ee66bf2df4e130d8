package dev.sdfarm.worker;

import dev.sdfarm.core.KafkaConnection;
import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.Messages;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Everything a worker publishes: job events, dead letters and heartbeats (idempotent producer, acks=all). */
final class EventSender implements AutoCloseable {
    static final String ERROR_HEADER = "sdfarm-error";
    static final String ATTEMPTS_HEADER = "sdfarm-attempts";
    static final String ORIGIN_HEADER = "sdfarm-origin";

    private final KafkaProducer<String, byte[]> producer;

    EventSender(KafkaConnection kafka, String clientId) {
        producer = new KafkaProducer<>(kafka.clientConfig(Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 1,
                ProducerConfig.CLIENT_ID_CONFIG, clientId)),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Sends without waiting (progress, started). */
    void send(JobEvent e) {
        producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, e.jobId().toString(), Messages.toJson(e)));
    }

    /** Sends and waits for the broker's acknowledgement (a job's final event, before its offset moves on). */
    void sendAndWait(JobEvent e) throws InterruptedException, ExecutionException, TimeoutException {
        producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, e.jobId().toString(), Messages.toJson(e)))
                .get(60, TimeUnit.SECONDS);
    }

    /** Moves a request that cannot be served to {@code <topic>.dlq}, with why and how often it was tried. */
    void deadLetter(ConsumerRecord<String, byte[]> record, String reason, int attempts)
            throws InterruptedException, ExecutionException, TimeoutException {
        ProducerRecord<String, byte[]> out = new ProducerRecord<>(Topics.deadLetter(record.topic()), null,
                record.key(), record.value(), List.of(
                new RecordHeader(ERROR_HEADER, reason.getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(ATTEMPTS_HEADER, Integer.toString(attempts).getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(ORIGIN_HEADER, (record.topic() + "/" + record.partition() + "@" + record.offset())
                        .getBytes(StandardCharsets.UTF_8))));
        producer.send(out).get(60, TimeUnit.SECONDS);
    }

    void heartbeat(String workerId, byte[] json) {
        producer.send(new ProducerRecord<>(Topics.WORKER_HEARTBEATS, workerId, json));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
