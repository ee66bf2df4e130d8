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
import java.util.Map;
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

    /** The events of {@code job} up to and including its terminal one. */
    private static List<JobEvent> eventsOf(UUID job) {
        List<JobEvent> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(200))) {
                JobEvent e = Messages.fromJson(r.value(), JobEvent.class);
                if (e.jobId().equals(job)) {
                    out.add(e);
                    if (e.type().terminal()) {
                        return out;
                    }
                }
            }
        }
        throw new AssertionError("job " + job + " did not end; events so far: " + out);
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

        // The same request rendered by the engine directly, n_iter as webui does it: seeds 42..45.
        List<RenderedImage> expected = new ArrayList<>();
        try (Checkpoint cp = Checkpoint.open(WorkerTestResource.storeRoot.resolve(WorkerTestResource.MODEL_KEY));
             CpuBackend cpu = new CpuBackend()) {
            StableDiffusion sd = StableDiffusion.load(cpu, cp, "tiny", WorkerTestResource.modelSha256);
            var base = Renderer.engineRequest(job.params());
            for (int it = 0; it < 2; it++) {
                expected.addAll(Txt2Img.render(sd, base.withSeed(42 + it * 2L), null));
            }
        }
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("sdfarm_worker_step_seconds_count"), "step timer exported");
        assertTrue(metrics.contains("sdfarm_worker_jobs_total{outcome=\"succeeded\"}"), "jobs by outcome exported");
        assertTrue(metrics.contains("sdfarm_worker_model_resident_bytes"), "cache gauges exported");
        for (int i = 0; i < 4; i++) {
            OutputImage o = done.outputs().get(i);
            assertEquals(job.outputPrefix() + i + ".png", o.key());
            assertEquals(42 + i, o.seed());
            PngImage png = PngReader.defaults().read(Files.readAllBytes(WorkerTestResource.storeRoot.resolve(o.key())));
            assertEquals(expected.get(i).infotext(), png.parameters().orElseThrow());
            assertEquals(expected.get(i).infotext(), o.infotext());
            assertArrayEquals(expected.get(i).pixels().pixels(), png.raster().pixels(), "image " + i);
        }
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
