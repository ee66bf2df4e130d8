package dev.sdfarm.worker;

import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.GenerationRequest;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.JobEventType;
import dev.sdfarm.core.message.MessageFormatException;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.OutputImage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The worker's one render thread. It reads both request topics in the shared group {@value #GROUP}, keeps what
 * it polled in per-partition queues, and always takes the next interactive request before a batch one. A
 * partition's offset is committed only after its request's final event has been acknowledged, so a worker
 * killed mid-job leaves the request to be redelivered and rendered again (same seeds, same keys, same event
 * numbers). Failures other than a crash are retried, then the request goes to the dead-letter topic.
 */
final class RenderLoop implements Runnable {
    static final String GROUP = "sdfarm-workers";
    private static final Logger LOG = Logger.getLogger(RenderLoop.class);

    /** The shutdown grace ran out: give the job back to the queue rather than finish it. */
    private static final class GivenBack extends RuntimeException {
        GivenBack() {
            super("given back", null, false, false);
        }
    }

    private final String workerId;
    private final WorkerConfig config;
    private final ModelCache cache;
    private final Renderer renderer;
    private final EventSender events;
    private final Cancellations cancellations;
    private final RenderMetrics metrics;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<TopicPartition, ArrayDeque<ConsumerRecord<String, byte[]>>> queued = new LinkedHashMap<>();
    private volatile boolean stopping;
    private volatile long giveBackAtNanos = Long.MAX_VALUE;
    private volatile UUID currentJob;

    RenderLoop(String workerId, String bootstrap, WorkerConfig config, ModelCache cache, Renderer renderer,
               EventSender events, Cancellations cancellations, RenderMetrics metrics) {
        this.workerId = workerId;
        this.config = config;
        this.cache = cache;
        this.renderer = renderer;
        this.events = events;
        this.cancellations = cancellations;
        this.metrics = metrics;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.CLIENT_ID_CONFIG, workerId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 16,
                // A long render must not cost the worker its partitions...
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 3_600_000,
                // ...but a dead worker's requests should move to another one soon (heartbeats run on their own
                // thread, so a busy worker keeps its session).
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) config.sessionTimeoutMs(),
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(500, config.sessionTimeoutMs() / 4)),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    UUID currentJob() {
        return currentJob;
    }

    /** Stops taking requests; the job in hand may finish within the grace time, else it goes back. */
    void stop(Duration grace) {
        giveBackAtNanos = System.nanoTime() + grace.toNanos();
        stopping = true;
        consumer.wakeup();
    }

    @Override
    public void run() {
        consumer.subscribe(List.of(Topics.GENERATION_INTERACTIVE, Topics.GENERATION_BATCH),
                new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        partitions.forEach(queued::remove);
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    }
                });
        try {
            while (!stopping) {
                try {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(hasQueued() ? 0 : 500))) {
                        queued.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new ArrayDeque<>())
                                .add(r);
                    }
                } catch (WakeupException e) {
                    continue;
                }
                ConsumerRecord<String, byte[]> next = next();
                if (next != null) {
                    try {
                        handle(next);
                    } catch (GivenBack e) {
                        throw e;
                    } catch (Exception e) {
                        // Kafka or the store is unreachable: the request stays uncommitted; read it again later.
                        LOG.warnf("request %s/%d@%d: %s; trying again in a second", next.topic(), next.partition(),
                                next.offset(), e.getMessage());
                        TopicPartition tp = new TopicPartition(next.topic(), next.partition());
                        queued.remove(tp);
                        consumer.seek(tp, next.offset());
                        Thread.sleep(1000);
                    }
                }
            }
        } catch (GivenBack e) {
            LOG.infof("job %s: given back to the queue at shutdown", currentJob);
        } catch (Exception e) {
            LOG.errorf(e, "render loop stopped");
        } finally {
            consumer.close(Duration.ofSeconds(10));
        }
    }

    private boolean hasQueued() {
        return queued.values().stream().anyMatch(q -> !q.isEmpty());
    }

    /** The head of the first non-empty interactive partition, else of a batch partition. */
    private ConsumerRecord<String, byte[]> next() {
        for (String topic : List.of(Topics.GENERATION_INTERACTIVE, Topics.GENERATION_BATCH)) {
            for (var e : queued.entrySet()) {
                if (e.getKey().topic().equals(topic) && !e.getValue().isEmpty()) {
                    return e.getValue().poll();
                }
            }
        }
        return null;
    }

    private void handle(ConsumerRecord<String, byte[]> record) throws Exception {
        GenerationRequest job;
        try {
            job = Messages.fromJson(record.value(), GenerationRequest.class);
        } catch (MessageFormatException e) {
            LOG.warnf("unreadable request at %s/%d@%d sent to the dead-letter topic: %s", record.topic(),
                    record.partition(), record.offset(), e.getMessage());
            events.deadLetter(record, "unreadable: " + e.getMessage(), 1);
            commit(record);
            return;
        }
        currentJob = job.jobId();
        try {
            int total = job.params().totalSteps();
            if (cancellations.isCancelled(job.jobId())) {
                LOG.infof("job %s: cancelled before it started; skipped", job.jobId());
                events.sendAndWait(JobEvent.ended(JobEventType.CANCELLED, job.jobId(), workerId, 0, total,
                        "cancelled by the client", Instant.now()));
                commit(record);
                return;
            }
            for (int attempt = 1; ; attempt++) {
                try {
                    render(job, total);
                    break;
                } catch (JobCancelledException e) {
                    LOG.infof("job %s: cancelled at step %d/%d", job.jobId(), e.step, total);
                    events.sendAndWait(JobEvent.ended(JobEventType.CANCELLED, job.jobId(), workerId, e.step, total,
                            "cancelled by the client", Instant.now()));
                    metrics.finished("cancelled", 0);
                    break;
                } catch (GivenBack e) {
                    throw e;
                } catch (ModelCache.BadModelException | IllegalArgumentException e) {
                    LOG.warnf("job %s: failed: %s", job.jobId(), e.getMessage());
                    events.sendAndWait(JobEvent.ended(JobEventType.FAILED, job.jobId(), workerId, 0, total,
                            e.getMessage(), Instant.now()));
                    metrics.finished("failed", 0);
                    break;
                } catch (Exception | OutOfMemoryError e) {
                    String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
                    if (attempt < config.maxAttempts()) {
                        LOG.warnf("job %s: attempt %d of %d failed (%s); retrying", job.jobId(), attempt,
                                config.maxAttempts(), reason);
                        continue;
                    }
                    LOG.errorf(e, "job %s: failed %d times; sent to the dead-letter topic", job.jobId(), attempt);
                    events.deadLetter(record, reason, attempt);
                    events.sendAndWait(JobEvent.ended(JobEventType.FAILED, job.jobId(), workerId, 0, total,
                            "the worker failed " + attempt + " times: " + reason, Instant.now()));
                    metrics.finished("dead-lettered", 0);
                    break;
                }
            }
            commit(record);
        } finally {
            currentJob = null;
        }
    }

    private void render(GenerationRequest job, int total) throws Exception {
        ModelCache.Resident model = cache.get(job.model());
        events.send(JobEvent.started(job.jobId(), workerId, total, Instant.now()));
        LOG.infof("job %s: rendering %d image(s) %dx%d, %s, %d steps", job.jobId(), job.params().imageCount(),
                job.params().width(), job.params().height(), job.params().samplerName(), job.params().steps());
        long[] lastSent = {0};
        long t0 = System.nanoTime();
        long[] lastStep = {System.nanoTime()};
        List<OutputImage> outputs = renderer.render(model.model(), job, (step, all) -> {
            long now = System.nanoTime();
            metrics.step(now - lastStep[0]);
            lastStep[0] = now;
            if (step > 0 && (now - lastSent[0] >= config.progressIntervalMs() * 1_000_000L || step == all)) {
                lastSent[0] = now;
                events.send(JobEvent.progress(job.jobId(), workerId, step, all, Instant.now()));
            }
        }, () -> {
            if (System.nanoTime() > giveBackAtNanos) {
                throw new GivenBack();
            }
            return cancellations.isCancelled(job.jobId());
        });
        events.sendAndWait(JobEvent.succeeded(job.jobId(), workerId, total, outputs, Instant.now()));
        metrics.finished("succeeded", outputs.size());
        LOG.infof("job %s: succeeded, %d image(s) in %.1f s", job.jobId(), outputs.size(),
                (System.nanoTime() - t0) / 1e9);
    }

    private void commit(ConsumerRecord<String, byte[]> record) {
        consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                new OffsetAndMetadata(record.offset() + 1)));
    }
}
