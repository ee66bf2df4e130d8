package dev.sdfarm.worker;

import dev.sdfarm.core.KafkaConnection;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The worker's one render thread. It reads both request topics in the shared group {@value #GROUP}, keeps what
 * it polled in per-partition queues, and always takes the next interactive request before a batch one. Queued
 * requests of the same topic that sample alike ({@link Renderer#batchable}) join it, up to
 * {@code sdfarm.worker.max-batch-images} images: the rest of its partition's queue in order, then the heads of
 * the topic's other partitions. Offsets are committed only after the final events of every request taken have
 * been acknowledged, so a worker killed mid-batch leaves the requests to be redelivered and rendered again (same
 * seeds, same keys, same event numbers). A batch that fails is rendered again one request at a time; failures
 * other than a crash are retried, then the request goes to the dead-letter topic.
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

    /** A request taken from the queue; {@code job} is null when the record could not be read. */
    private static final class InHand {
        final ConsumerRecord<String, byte[]> record;
        final GenerationRequest job;
        final String unreadable;
        boolean ended;
        long lastProgressNanos;

        InHand(ConsumerRecord<String, byte[]> record) {
            this.record = record;
            GenerationRequest parsed = null;
            String error = null;
            try {
                parsed = Messages.fromJson(record.value(), GenerationRequest.class);
            } catch (MessageFormatException e) {
                error = e.getMessage();
            }
            this.job = parsed;
            this.unreadable = error;
        }

        int images() {
            return job == null ? 1 : job.params().batchSize();
        }

        int totalSteps() {
            return job.params().totalSteps();
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
    private volatile List<UUID> currentJobs = List.of();

    RenderLoop(String workerId, KafkaConnection kafka, WorkerConfig config, ModelCache cache, Renderer renderer,
               EventSender events, Cancellations cancellations, RenderMetrics metrics) {
        this.workerId = workerId;
        this.config = config;
        this.cache = cache;
        this.renderer = renderer;
        this.events = events;
        this.cancellations = cancellations;
        this.metrics = metrics;
        this.consumer = new KafkaConsumer<>(kafka.clientConfig(Map.of(
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
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.max(500, config.sessionTimeoutMs() / 4))),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** The jobs of the batch in hand; empty when idle. */
    List<UUID> currentJobs() {
        return currentJobs;
    }

    /** Stops taking requests; the batch in hand may finish within the grace time, else it goes back. */
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
                List<InHand> batch = next();
                if (!batch.isEmpty()) {
                    try {
                        handle(batch);
                    } catch (GivenBack e) {
                        LOG.infof("jobs %s: given back to the queue at shutdown",
                                batch.stream().filter(h -> h.job != null).map(h -> h.job.jobId()).toList());
                        return;
                    } catch (Exception e) {
                        // Kafka or the store is unreachable: the requests stay uncommitted; read them again later.
                        ConsumerRecord<String, byte[]> first = batch.getFirst().record;
                        LOG.warnf("request %s/%d@%d: %s; trying again in a second", first.topic(), first.partition(),
                                first.offset(), e.getMessage());
                        rewind(batch);
                        Thread.sleep(1000);
                    }
                }
            }
        } catch (Exception e) {
            LOG.errorf(e, "render loop stopped");
        } finally {
            consumer.close(Duration.ofSeconds(10));
        }
    }

    private boolean hasQueued() {
        return queued.values().stream().anyMatch(q -> !q.isEmpty());
    }

    /**
     * The head of the first non-empty interactive partition, else of a batch partition, with the queued requests
     * that can share its sampling runs.
     */
    private List<InHand> next() {
        for (String topic : List.of(Topics.GENERATION_INTERACTIVE, Topics.GENERATION_BATCH)) {
            for (var e : queued.entrySet()) {
                if (e.getKey().topic().equals(topic) && !e.getValue().isEmpty()) {
                    List<InHand> batch = new ArrayList<>(List.of(new InHand(e.getValue().poll())));
                    if (batch.getFirst().job != null) {
                        joinCompatible(batch, e.getValue());
                        for (var other : queued.entrySet()) {
                            if (other.getKey().topic().equals(topic) && other != e) {
                                joinCompatible(batch, other.getValue());
                            }
                        }
                    }
                    return batch;
                }
            }
        }
        return List.of();
    }

    /** Moves the queue's leading requests that can join the batch into it, while the image budget lasts. */
    private void joinCompatible(List<InHand> batch, ArrayDeque<ConsumerRecord<String, byte[]>> queue) {
        int images = batch.stream().mapToInt(InHand::images).sum();
        while (!queue.isEmpty()) {
            InHand candidate = new InHand(queue.peek());
            if (candidate.job == null || images + candidate.images() > config.maxBatchImages()
                    || !Renderer.batchable(batch.getFirst().job, candidate.job)) {
                return;
            }
            queue.poll();
            batch.add(candidate);
            images += candidate.images();
        }
    }

    /** Forgets what was polled from the batch's partitions and reads them again from its first requests. */
    private void rewind(List<InHand> batch) {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (InHand h : batch) {
            first.merge(new TopicPartition(h.record.topic(), h.record.partition()), h.record.offset(), Math::min);
        }
        first.forEach((tp, offset) -> {
            queued.remove(tp);
            consumer.seek(tp, offset);
        });
    }

    private void handle(List<InHand> batch) throws Exception {
        List<InHand> jobs = new ArrayList<>();
        for (InHand h : batch) {
            if (h.job == null) {
                LOG.warnf("unreadable request at %s/%d@%d sent to the dead-letter topic: %s", h.record.topic(),
                        h.record.partition(), h.record.offset(), h.unreadable);
                events.deadLetter(h.record, "unreadable: " + h.unreadable, 1);
            } else if (cancellations.isCancelled(h.job.jobId())) {
                LOG.infof("job %s: cancelled before it started; skipped", h.job.jobId());
                events.sendAndWait(JobEvent.ended(JobEventType.CANCELLED, h.job.jobId(), workerId, 0,
                        h.totalSteps(), "cancelled by the client", Instant.now()));
            } else {
                jobs.add(h);
            }
        }
        currentJobs = jobs.stream().map(h -> h.job.jobId()).toList();
        try {
            if (jobs.size() > 1) {
                try {
                    render(jobs);
                } catch (JobCancelledException e) {
                    // every job still running was cancelled, and each has said so
                } catch (GivenBack e) {
                    throw e;
                } catch (Exception | OutOfMemoryError e) {
                    LOG.warnf("batch of %d jobs failed (%s: %s); rendering them one at a time", jobs.size(),
                            e.getClass().getSimpleName(), e.getMessage());
                }
            }
            for (InHand h : jobs) {
                if (!h.ended) {
                    handleAlone(h);
                }
            }
        } finally {
            currentJobs = List.of();
        }
        commit(batch);
    }

    /** One request with retries: failures that retrying cannot fix fail it at once, others go to the DLQ. */
    private void handleAlone(InHand h) throws Exception {
        UUID id = h.job.jobId();
        for (int attempt = 1; ; attempt++) {
            try {
                render(List.of(h));
                return;
            } catch (JobCancelledException e) {
                return;
            } catch (GivenBack e) {
                throw e;
            } catch (ModelCache.BadModelException | IllegalArgumentException e) {
                LOG.warnf("job %s: failed: %s", id, e.getMessage());
                events.sendAndWait(JobEvent.ended(JobEventType.FAILED, id, workerId, 0, h.totalSteps(),
                        e.getMessage(), Instant.now()));
                metrics.finished("failed", 0);
                return;
            } catch (Exception | OutOfMemoryError e) {
                String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
                if (attempt < config.maxAttempts()) {
                    LOG.warnf("job %s: attempt %d of %d failed (%s); retrying", id, attempt, config.maxAttempts(),
                            reason);
                    continue;
                }
                LOG.errorf(e, "job %s: failed %d times; sent to the dead-letter topic", id, attempt);
                events.deadLetter(h.record, reason, attempt);
                events.sendAndWait(JobEvent.ended(JobEventType.FAILED, id, workerId, 0, h.totalSteps(),
                        "the worker failed " + attempt + " times: " + reason, Instant.now()));
                metrics.finished("dead-lettered", 0);
                return;
            }
        }
    }

    /** Renders the jobs in one batch; each that ends (succeeded or cancelled) is marked so. */
    private void render(List<InHand> jobs) throws Exception {
        ModelCache.Resident model = cache.get(jobs.getFirst().job.model());
        for (InHand h : jobs) {
            events.send(JobEvent.started(h.job.jobId(), workerId, h.totalSteps(), Instant.now()));
            var p = h.job.params();
            LOG.infof("job %s: rendering %d image(s) %dx%d, %s, %d steps%s", h.job.jobId(), p.imageCount(),
                    p.width(), p.height(), p.samplerName(), p.steps(),
                    jobs.size() > 1 ? " (batch of " + jobs.size() + " jobs)" : "");
        }
        metrics.batch(jobs.size());
        long t0 = System.nanoTime();
        long[] lastStep = {t0};
        renderer.render(model.model(), jobs.stream().map(h -> h.job).toList(), new Renderer.Listener() {
            @Override
            public void stepped() {
                long now = System.nanoTime();
                metrics.step(now - lastStep[0]);
                lastStep[0] = now;
            }

            @Override
            public void step(int job, int done, int total) {
                InHand h = jobs.get(job);
                long now = System.nanoTime();
                if (done > 0 && (now - h.lastProgressNanos >= config.progressIntervalMs() * 1_000_000L
                        || done == total)) {
                    h.lastProgressNanos = now;
                    events.send(JobEvent.progress(h.job.jobId(), workerId, done, total, Instant.now()));
                }
            }

            @Override
            public boolean cancelRequested(int job) {
                if (System.nanoTime() > giveBackAtNanos) {
                    throw new GivenBack();
                }
                return cancellations.isCancelled(jobs.get(job).job.jobId());
            }

            @Override
            public void cancelled(int job, int step) {
                InHand h = jobs.get(job);
                LOG.infof("job %s: cancelled at step %d/%d", h.job.jobId(), step, h.totalSteps());
                end(h, () -> events.sendAndWait(JobEvent.ended(JobEventType.CANCELLED, h.job.jobId(), workerId,
                        step, h.totalSteps(), "cancelled by the client", Instant.now())));
                metrics.finished("cancelled", 0);
            }

            @Override
            public void succeeded(int job, List<OutputImage> outputs) {
                InHand h = jobs.get(job);
                end(h, () -> events.sendAndWait(JobEvent.succeeded(h.job.jobId(), workerId, h.totalSteps(), outputs,
                        Instant.now())));
                metrics.finished("succeeded", outputs.size());
                LOG.infof("job %s: succeeded, %d image(s) in %.1f s", h.job.jobId(), outputs.size(),
                        (System.nanoTime() - t0) / 1e9);
            }
        });
    }

    /** Sends a job's final event; the job counts as ended once the broker has it. */
    private static void end(InHand h, FinalEvent send) {
        try {
            send.run();
        } catch (Exception e) {
            throw new IllegalStateException("final event of job " + h.job.jobId() + " not sent: " + e.getMessage(),
                    e);
        }
        h.ended = true;
    }

    @FunctionalInterface
    private interface FinalEvent {
        void run() throws Exception;
    }

    /** Commits every partition of the batch past its last request taken. */
    private void commit(List<InHand> batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        for (InHand h : batch) {
            offsets.merge(new TopicPartition(h.record.topic(), h.record.partition()),
                    new OffsetAndMetadata(h.record.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        try {
            consumer.commitSync(offsets);
        } catch (WakeupException e) {
            // stop() woke the consumer while the batch was finishing: the batch is done, so commit it still
            consumer.commitSync(offsets);
        }
    }
}
