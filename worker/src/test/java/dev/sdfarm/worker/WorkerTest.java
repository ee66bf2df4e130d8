package dev.sdfarm.worker;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.CancelRequest;
import dev.sdfarm.core.message.GenerationParams;
import dev.sdfarm.core.message.GenerationRequest;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.JobEventType;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.ModelRef;
import dev.sdfarm.core.message.OutputImage;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.image.PngImage;
import dev.sdfarm.diffusion.image.PngReader;
import dev.sdfarm.diffusion.pipeline.RenderedImage;
import dev.sdfarm.diffusion.pipeline.StableDiffusion;
import dev.sdfarm.diffusion.pipeline.Txt2Img;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The worker as the farm drives it: requests in through Kafka, events and PNGs out. */
@QuarkusTest
@QuarkusTestResource(WorkerTestResource.class)
class WorkerTest {
    private static KafkaProducer<String, byte[]> producer;
    private static KafkaConsumer<String, byte[]> events;

    @BeforeAll
    static void clients() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                WorkerTestResource.bootstrapServers), new StringSerializer(), new ByteArraySerializer());
        events = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                WorkerTestResource.bootstrapServers, ConsumerConfig.GROUP_ID_CONFIG, "test-events",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer());
        events.subscribe(List.of(Topics.JOB_EVENTS));
    }

    @AfterAll
    static void close() {
        producer.close();
        events.close();
    }

    private static GenerationParams params(int steps, int batch, int nIter) {
        return new GenerationParams("a red fox in the snow", "blurry", 42, "Euler a", "Automatic", steps, 7.0, 64, 64,
                batch, nIter, 1, null, "GPU");
    }

    private static GenerationRequest request(GenerationParams p, String modelKey, String sha) {
        return GenerationRequest.of(UUID.randomUUID(), "acme", new ModelRef(sha, modelKey, "tiny"), p,
                Instant.now());
    }

    private static void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    /** Sends the requests in one produce request, so the worker finds them queued together. */
    private static void sendTogether(String topic, GenerationRequest... jobs) throws Exception {
        try (KafkaProducer<String, byte[]> lingering = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, WorkerTestResource.bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, 60_000), new StringSerializer(), new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (GenerationRequest job : jobs) {
                sent.add(lingering.send(new ProducerRecord<>(topic, job.model().sha256(), Messages.toJson(job))));
            }
            lingering.flush();
            for (var f : sent) {
                f.get();
            }
        }
    }

    /** The events of the given jobs in the order they came, up to and including each one's terminal event. */
    private static List<JobEvent> eventsOf(UUID... jobs) {
        Set<UUID> wanted = Set.of(jobs);
        Set<UUID> open = new HashSet<>(wanted);
        List<JobEvent> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(200))) {
                JobEvent e = Messages.fromJson(r.value(), JobEvent.class);
                if (wanted.contains(e.jobId())) {
                    out.add(e);
                    if (e.type().terminal()) {
                        open.remove(e.jobId());
                    }
                }
            }
        }
        if (!open.isEmpty()) {
            throw new AssertionError("jobs " + open + " did not end; events so far: " + out);
        }
        return out;
    }

    /** Where the job's first event of this type is in the list. */
    private static int indexOf(List<JobEvent> events, GenerationRequest job, JobEventType type) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).jobId().equals(job.jobId()) && events.get(i).type() == type) {
                return i;
            }
        }
        throw new AssertionError("no " + type + " event of job " + job.jobId() + " in " + events);
    }

    /** The job succeeded with the PNGs (pixels and infotext) the engine renders for it alone, n_iter as webui. */
    private static void assertRenderedAlone(GenerationRequest job, List<JobEvent> events) throws Exception {
        JobEvent done = events.stream().filter(e -> e.jobId().equals(job.jobId()) && e.type().terminal())
                .findFirst().orElseThrow();
        assertEquals(JobEventType.SUCCEEDED, done.type(), done.error());
        GenerationParams p = job.params();
        List<RenderedImage> expected = new ArrayList<>();
        try (Checkpoint cp = Checkpoint.open(WorkerTestResource.storeRoot.resolve(WorkerTestResource.MODEL_KEY));
             CpuBackend cpu = new CpuBackend()) {
            StableDiffusion sd = StableDiffusion.load(cpu, cp, "tiny", WorkerTestResource.modelSha256);
            var base = Renderer.engineRequest(p);
            for (int it = 0; it < p.nIter(); it++) {
                expected.addAll(Txt2Img.render(sd, base.withSeed(p.seed() + (long) it * p.batchSize()), null));
            }
        }
        assertEquals(expected.size(), done.outputs().size());
        for (int i = 0; i < expected.size(); i++) {
            OutputImage o = done.outputs().get(i);
            assertEquals(job.outputPrefix() + i + ".png", o.key());
            assertEquals(p.seed() + i, o.seed());
            PngImage png = PngReader.defaults().read(Files.readAllBytes(WorkerTestResource.storeRoot.resolve(o.key())));
            assertEquals(expected.get(i).infotext(), png.parameters().orElseThrow());
            assertEquals(expected.get(i).infotext(), o.infotext());
            assertArrayEquals(expected.get(i).pixels().pixels(), png.raster().pixels(), "image " + i);
        }
    }

    @Test
    void rendersWhatTheEngineRendersAndReportsEveryStep() throws Exception {
        GenerationRequest job = request(params(3, 2, 2), WorkerTestResource.MODEL_KEY, WorkerTestResource.modelSha256);
        send(Topics.GENERATION_INTERACTIVE, job.model().sha256(), Messages.toJson(job));
        List<JobEvent> got = eventsOf(job.jobId());
        assertEquals(JobEventType.STARTED, got.getFirst().type());
        JobEvent done = got.getLast();
        assertEquals(JobEventType.SUCCEEDED, done.type(), done.error());
        assertEquals(JobEvent.terminalSeq(6), done.seq());
        List<Integer> steps = got.stream().filter(e -> e.type() == JobEventType.PROGRESS).map(JobEvent::step).toList();
        assertEquals(List.of(1, 2, 3, 4, 5, 6), steps, "progress over n_iter x steps");
        assertEquals(4, done.outputs().size());

        assertRenderedAlone(job, got); // n_iter as webui does it: seeds 42..45
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("sdfarm_worker_step_seconds_count"), "step timer exported");
        assertTrue(metrics.contains("sdfarm_worker_jobs_total{outcome=\"succeeded\"}"), "jobs by outcome exported");
        assertTrue(metrics.contains("sdfarm_worker_model_resident_bytes"), "cache gauges exported");
    }

    @Test
    void compatibleQueuedRequestsShareABatchAndEachGetsItsOwnImages() throws Exception {
        GenerationRequest a = request(new GenerationParams("a lighthouse at dusk AND fog:0.4", "", 7, "Euler a",
                "Automatic", 3, 5.0, 64, 64, 1, 2, 1, null, "GPU"), WorkerTestResource.MODEL_KEY,
                WorkerTestResource.modelSha256);
        GenerationRequest b = request(params(3, 2, 1), WorkerTestResource.MODEL_KEY, WorkerTestResource.modelSha256);
        GenerationRequest moreSteps = request(params(4, 1, 1), WorkerTestResource.MODEL_KEY,
                WorkerTestResource.modelSha256);
        GenerationRequest afterIt = request(params(3, 1, 1), WorkerTestResource.MODEL_KEY,
                WorkerTestResource.modelSha256);
        sendTogether(Topics.GENERATION_BATCH, a, b, moreSteps, afterIt);
        List<JobEvent> got = eventsOf(a.jobId(), b.jobId(), moreSteps.jobId(), afterIt.jobId());

        // a and b were sampled together: both started before either made progress.
        assertTrue(indexOf(got, b, JobEventType.STARTED) < indexOf(got, a, JobEventType.PROGRESS), got.toString());
        assertTrue(indexOf(got, a, JobEventType.STARTED) < indexOf(got, b, JobEventType.PROGRESS), got.toString());
        // Batches take a partition's requests in order: the 4-step request breaks the run, so the request after
        // it (compatible with a and b) waits for its own batch.
        int batchEnded = Math.max(indexOf(got, a, JobEventType.SUCCEEDED), indexOf(got, b, JobEventType.SUCCEEDED));
        assertTrue(indexOf(got, moreSteps, JobEventType.STARTED) > batchEnded, got.toString());
        assertTrue(indexOf(got, afterIt, JobEventType.STARTED) > indexOf(got, moreSteps, JobEventType.SUCCEEDED));
        assertEquals(List.of(1, 2, 3, 4, 5, 6), got.stream()
                .filter(e -> e.jobId().equals(a.jobId()) && e.type() == JobEventType.PROGRESS).map(JobEvent::step)
                .toList(), "a's progress over both of its iterations");
        for (GenerationRequest job : List.of(a, b, moreSteps, afterIt)) {
            assertRenderedAlone(job, got);
        }
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("sdfarm_worker_batch_jobs_max 2.0"), "a batch of two jobs in the metrics");
    }

    @Test
    void cancellingOneJobOfABatchLeavesTheOtherToFinish() throws Exception {
        GenerationRequest cancelled = request(params(40, 1, 1), WorkerTestResource.MODEL_KEY,
                WorkerTestResource.modelSha256);
        GenerationRequest kept = request(params(40, 1, 1).withSeed(9), WorkerTestResource.MODEL_KEY,
                WorkerTestResource.modelSha256);
        sendTogether(Topics.GENERATION_BATCH, cancelled, kept);
        List<JobEvent> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (got.stream().noneMatch(e -> e.jobId().equals(cancelled.jobId()) && e.type() == JobEventType.PROGRESS)
                && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(100))) {
                JobEvent e = Messages.fromJson(r.value(), JobEvent.class);
                if (e.jobId().equals(cancelled.jobId()) || e.jobId().equals(kept.jobId())) {
                    got.add(e);
                }
            }
        }
        send(Topics.JOB_CONTROL, cancelled.jobId().toString(), Messages.toJson(CancelRequest.of(cancelled.jobId(),
                Instant.now())));
        got.addAll(eventsOf(cancelled.jobId(), kept.jobId()));

        JobEvent end = got.stream().filter(e -> e.jobId().equals(cancelled.jobId()) && e.type().terminal())
                .findFirst().orElseThrow();
        assertEquals(JobEventType.CANCELLED, end.type());
        assertTrue(end.step() < 40, "stopped between steps, at " + end.step());
        assertTrue(indexOf(got, kept, JobEventType.STARTED) < indexOf(got, cancelled, JobEventType.PROGRESS),
                "the two were one batch: " + got);
        assertTrue(end.outputs() == null || end.outputs().isEmpty());
        assertRenderedAlone(kept, got);
        assertTrue(indexOf(got, cancelled, JobEventType.CANCELLED) < indexOf(got, kept, JobEventType.SUCCEEDED),
                "the cancellation was reported at once, not when the batch ended");
    }

    @Test
    void aRequestTheModelRefusesFailsAloneAndTheRestOfItsBatchSucceeds() throws Exception {
        GenerationParams good = params(3, 1, 1);
        // Clip skip 13 asks for more layers than the text encoder has (12): the engine refuses it while sampling.
        GenerationParams tooDeep = new GenerationParams(good.prompt(), good.negativePrompt(), 5, good.samplerName(),
                good.scheduler(), good.steps(), good.cfgScale(), good.width(), good.height(), 1, 1, 13, null,
                good.rng());
        GenerationRequest bad = request(tooDeep, WorkerTestResource.MODEL_KEY, WorkerTestResource.modelSha256);
        GenerationRequest fine = request(good, WorkerTestResource.MODEL_KEY, WorkerTestResource.modelSha256);
        sendTogether(Topics.GENERATION_BATCH, bad, fine);
        List<JobEvent> got = eventsOf(bad.jobId(), fine.jobId());

        JobEvent failed = got.stream().filter(e -> e.jobId().equals(bad.jobId()) && e.type().terminal())
                .findFirst().orElseThrow();
        assertEquals(JobEventType.FAILED, failed.type());
        assertTrue(failed.error().contains("clip skip"), failed.error());
        assertRenderedAlone(fine, got);
    }

    @Test
    void aCancelledJobIsSkipped() throws Exception {
        GenerationRequest job = request(params(3, 1, 1), WorkerTestResource.MODEL_KEY, WorkerTestResource.modelSha256);
        send(Topics.JOB_CONTROL, job.jobId().toString(), Messages.toJson(CancelRequest.of(job.jobId(),
                Instant.now())));
        Thread.sleep(1500); // the worker's control reader has seen it
        send(Topics.GENERATION_BATCH, job.model().sha256(), Messages.toJson(job));
        List<JobEvent> got = eventsOf(job.jobId());
        assertEquals(List.of(JobEventType.CANCELLED), got.stream().map(JobEvent::type).toList());
    }

    @Test
    void aModelThatDoesNotMatchItsHashFailsTheJobWithoutRetrying() throws Exception {
        GenerationRequest job = request(params(2, 1, 1), WorkerTestResource.MODEL_KEY, "00".repeat(32));
        send(Topics.GENERATION_INTERACTIVE, job.model().sha256(), Messages.toJson(job));
        JobEvent end = eventsOf(job.jobId()).getLast();
        assertEquals(JobEventType.FAILED, end.type());
        assertTrue(end.error().contains("sha256"), end.error());
    }

    @Test
    void unreadableAndRepeatedlyFailingRequestsGoToTheDeadLetterTopicAndOthersGoOn() throws Exception {
        try (KafkaConsumer<String, byte[]> dlq = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                WorkerTestResource.bootstrapServers, ConsumerConfig.GROUP_ID_CONFIG, "test-dlq",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            dlq.subscribe(List.of(Topics.deadLetter(Topics.GENERATION_INTERACTIVE)));
            send(Topics.GENERATION_INTERACTIVE, "k", "{not json".getBytes(StandardCharsets.UTF_8));
            GenerationRequest missing = request(params(2, 1, 1), "models/gone.safetensors", "11".repeat(32));
            send(Topics.GENERATION_INTERACTIVE, missing.model().sha256(), Messages.toJson(missing));
            GenerationRequest fine = request(params(2, 1, 1), WorkerTestResource.MODEL_KEY,
                    WorkerTestResource.modelSha256);
            send(Topics.GENERATION_INTERACTIVE, fine.model().sha256(), Messages.toJson(fine));

            JobEvent missingEnd = eventsOf(missing.jobId()).getLast();
            assertEquals(JobEventType.FAILED, missingEnd.type());
            assertTrue(missingEnd.error().contains("2 times"), missingEnd.error());
            assertEquals(JobEventType.SUCCEEDED, eventsOf(fine.jobId()).getLast().type());

            List<String> reasons = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reasons.size() < 2 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : dlq.poll(Duration.ofMillis(200))) {
                    reasons.add(new String(r.headers().lastHeader(EventSender.ERROR_HEADER).value(),
                            StandardCharsets.UTF_8));
                }
            }
            assertEquals(2, reasons.size(), reasons.toString());
            assertTrue(reasons.get(0).startsWith("unreadable"), reasons.get(0));
            assertTrue(reasons.get(1).contains("gone.safetensors"), reasons.get(1));
        }
    }
}
