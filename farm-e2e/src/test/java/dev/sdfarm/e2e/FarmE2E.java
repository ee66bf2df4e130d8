package dev.sdfarm.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import dev.sdfarm.core.Topics;
import dev.sdfarm.diffusion.image.PngImage;
import dev.sdfarm.diffusion.image.PngReader;
import dev.sdfarm.local.FarmClient;
import dev.sdfarm.local.LocalFarm;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole farm as {@code ./sdfarm up} runs it (one stack for all tests, in a temporary home with free ports):
 * PostgreSQL, the child-JVM broker, and the packaged gateway and worker as child processes, driven only through
 * their HTTP APIs (plus Kafka directly for the poison message). The tiny synthesized model renders 64x64 images
 * in a few steps; the tests that need a job still running use larger sizes and more steps.
 *
 * <p>The order matters only for time: the disruptive tests (broker, gateway and worker restarts) come last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FarmE2E {
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);
    private static Path home;
    private static LocalFarm farm;
    private static FarmClient admin;
    private static FarmClient webui;
    private static String modelSha;

    @BeforeAll
    static void startFarm() throws Exception {
        home = Files.createTempDirectory("sdfarm-e2e");
        LocalFarm.Config cfg = LocalFarm.Config.of(home, Path.of(System.getProperty("sdfarm.gateway.jar")),
                        Path.of(System.getProperty("sdfarm.worker.jar")))
                .withFreePorts()
                .withHeaps("512m", "1g")
                // A killed gateway's consumer keeps the job-events partition until its session times out (45 s
                // by default): 6 s (the broker's minimum) keeps the gateway restart test short. The worker's
                // consumer settings are fixed in code, so its restart test waits the full 45 s.
                .withEnv(Map.of("JAVA_TOOL_OPTIONS", "-Dkafka.session.timeout.ms=6000"),
                        Map.of("SDFARM_WORKER_PROGRESS_INTERVAL_MS", "50", "SDFARM_WORKER_HEARTBEAT_INTERVAL_MS", "1000"));
        farm = LocalFarm.start(cfg);
        admin = new FarmClient(farm.gatewayUrl(), farm.adminKey());
        webui = new FarmClient(farm.webuiUrl(), null);
        Path model = farm.storeDir().resolve("models/tiny.safetensors");
        Files.createDirectories(model.getParent());
        Synthesizer.write(model, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, CheckpointFormat.SAFETENSORS,
                DType.F16, false, false, 7), true, Progress.NONE);
        modelSha = admin.registerModel("models/tiny.safetensors", "tiny").path("sha256").asText();
    }

    @AfterAll
    static void stopFarm() {
        if (admin != null) {
            admin.close();
            webui.close();
        }
        if (farm != null) {
            farm.close();
        }
        if (home != null) {
            try (Stream<Path> all = Files.walk(home)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException ignored) {
                // a temporary folder
            }
        }
    }

    private static Map<String, Object> job(int size, int steps, int batch, long seed) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("prompt", "a lighthouse at dusk");
        j.put("negative_prompt", "blurry");
        j.put("seed", seed);
        j.put("sampler_name", "Euler");
        j.put("steps", steps);
        j.put("width", size);
        j.put("height", size);
        j.put("batch_size", batch);
        j.put("model", modelSha);
        return j;
    }

    private static String submit(Map<String, Object> job) {
        return admin.submit(job).path("id").asText();
    }

    private static JsonNode awaitState(String id, String state) {
        JsonNode j = admin.awaitEnd(id, JOB_TIMEOUT);
        assertEquals(state, j.path("state").asText(), j.toString());
        return j;
    }

    private static JsonNode awaitStep(String id, int step) {
        return admin.await(id, JOB_TIMEOUT, j -> j.path("progress").path("step").asInt() >= step
                || FarmClient.TERMINAL.contains(j.path("state").asText()));
    }

    /** The PNG files of a job in the store. */
    private static List<String> filesOf(String id) throws Exception {
        Path dir = farm.storeDir().resolve("outputs/" + LocalFarm.TENANT + "/" + id);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    @Order(1)
    void duplicatePostWithOneIdempotencyKeyMakesOneJob() {
        Map<String, String> h = Map.of("Idempotency-Key", "e2e-" + UUID.randomUUID());
        JsonNode a = admin.post("/v1/jobs", job(64, 2, 1, 11), h).expect(200, 201, 202);
        JsonNode b = admin.post("/v1/jobs", job(64, 2, 1, 11), h).expect(200, 201, 202);
        assertEquals(a.path("id").asText(), b.path("id").asText());
        awaitState(a.path("id").asText(), "SUCCEEDED");
    }

    @Test
    @Order(2)
    void webuiClientGetsPngsWithTheEngineInfotext() throws Exception {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("prompt", "a castle on a hill");
        req.put("negative_prompt", "lowres");
        req.put("seed", 1234);
        req.put("sampler_name", "Euler");
        req.put("steps", 2);
        req.put("width", 64);
        req.put("height", 64);
        req.put("batch_size", 2);
        JsonNode r = webui.post("/sdapi/v1/txt2img", req).expect(200); // no credentials: loopback tenant
        JsonNode info = FarmClient.json().readTree(r.path("info").asText());
        assertEquals(2, r.path("images").size());
        for (int i = 0; i < 2; i++) {
            byte[] png = Base64.getDecoder().decode(r.path("images").get(i).asText());
            PngImage img = PngReader.defaults().read(png);
            assertEquals(64, img.width());
            assertEquals(64, img.height());
            String text = img.parameters().orElseThrow();
            assertEquals(info.path("infotexts").get(i).asText(), text);
            assertTrue(text.startsWith("a castle on a hill\nNegative prompt: lowres\n"), text);
            for (String field : List.of("Steps: 2", "Sampler: Euler", "Seed: " + (1234 + i), "Size: 64x64",
                    "Model hash: " + modelSha.substring(0, 10), "Model: tiny")) {
                assertTrue(text.contains(field), field + " missing in " + text);
            }
        }
    }

    @Test
    @Order(3)
    void nativeClientFollowsServerSentEventsToSucceeded() throws Exception {
        String id = submit(job(64, 3, 2, 21));
        List<String> states = new ArrayList<>();
        List<Integer> steps = new ArrayList<>();
        JsonNode end = admin.follow(id, v -> {
            states.add(v.path("state").asText());
            steps.add(v.path("progress").path("step").asInt());
        });
        assertEquals("SUCCEEDED", end.path("state").asText(), end.toString());
        assertEquals("SUCCEEDED", states.getLast());
        for (int i = 1; i < steps.size(); i++) {
            assertTrue(steps.get(i) >= steps.get(i - 1), "progress went backwards: " + steps);
        }
        assertEquals(2, end.path("outputs").size());
        byte[] png = admin.bytes(end.path("outputs").get(0).path("url").asText());
        assertEquals(64, PngReader.defaults().read(png).width());
        assertEquals(List.of("0.png", "1.png"), filesOf(id));
    }

    @Test
    @Order(4)
    void poisonMessageGoesToTheDeadLetterTopicAndTheFarmGoesOn() throws Exception {
        String key = "poison-" + UUID.randomUUID();
        Map<String, Object> pc = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, farm.infra().kafka().bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(pc, new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(Topics.GENERATION_INTERACTIVE, key,
                    "{this is not a request".getBytes(StandardCharsets.UTF_8))).get();
        }
        Map<String, Object> cc = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, farm.infra().kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "e2e-dlq-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        boolean found = false;
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(cc, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.GENERATION_INTERACTIVE + ".dlq"));
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!found && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    found |= key.equals(r.key());
                }
            }
        }
        assertTrue(found, "the poison message did not reach " + Topics.GENERATION_INTERACTIVE + ".dlq");
        webui.post("/sdapi/v1/txt2img", Map.of("prompt", "after the poison", "steps", 2, "width", 64, "height", 64,
                "sampler_name", "Euler")).expect(200);
    }

    @Test
    @Order(5)
    void cancelsAQueuedAndARunningJob() {
        String running = submit(job(512, 150, 1, 31));
        String queued = submit(job(64, 2, 1, 32));
        JsonNode r = awaitStep(running, 1);
        assertEquals("RUNNING", r.path("state").asText(), r.toString());
        assertEquals("QUEUED", admin.job(queued).path("state").asText());
        admin.delete("/v1/jobs/" + queued).expect(202);
        assertEquals("CANCELLED", admin.job(queued).path("state").asText());
        admin.delete("/v1/jobs/" + running).expect(202);
        awaitState(running, "CANCELLED");
        awaitState(queued, "CANCELLED");
        // The worker is free again and skips the cancelled one.
        awaitState(submit(job(64, 2, 1, 33)), "SUCCEEDED");
    }

    @Test
    @Order(6)
    void jobAcceptedWhileTheBrokerIsDownCompletesAfterItIsBack() throws Exception {
        String before = submit(job(64, 2, 1, 41));
        awaitState(before, "SUCCEEDED");
        farm.infra().stopKafka();
        String during;
        try {
            during = submit(job(64, 2, 1, 42)); // the outbox keeps it
            assertEquals("QUEUED", admin.job(during).path("state").asText());
        } finally {
            farm.infra().startKafka();
        }
        awaitState(during, "SUCCEEDED");
        assertEquals(List.of("0.png"), filesOf(during));
    }

    @Test
    @Order(7)
    void gatewayRestartKeepsJobState() throws Exception {
        String done = submit(job(64, 2, 1, 51));
        JsonNode doneView = awaitState(done, "SUCCEEDED");
        String pending = submit(job(64, 3, 1, 52));
        farm.killGateway();
        farm.startGateway();
        JsonNode again = admin.job(done);
        assertEquals("SUCCEEDED", again.path("state").asText());
        assertEquals(doneView.path("outputs"), again.path("outputs"));
        assertEquals(doneView.path("finished_at"), again.path("finished_at"));
        awaitState(pending, "SUCCEEDED");
    }

    @Test
    @Order(8)
    void workerKilledMidJobCompletesAfterRestartWithOneSetOfOutputs() throws Exception {
        String id = submit(job(128, 24, 2, 61));
        JsonNode r = awaitStep(id, 2);
        assertEquals("RUNNING", r.path("state").asText(), r.toString());
        farm.killWorker();
        farm.startWorker();
        JsonNode end = awaitState(id, "SUCCEEDED");
        assertEquals(2, end.path("outputs").size(), end.toString());
        assertEquals(List.of("0.png", "1.png"), filesOf(id));
        List<String> urls = new ArrayList<>();
        end.path("outputs").forEach(o -> urls.add(o.path("url").asText()));
        assertEquals(List.of("/v1/images/outputs/local/" + id + "/0.png", "/v1/images/outputs/local/" + id + "/1.png"),
                urls);
    }

    @Test
    @Order(9)
    void bulkSlimmingConvertsAFolderAndRegistersTheModelsWithLineage() throws Exception {
        // A folder of checkpoints as a training run leaves them: fp32 with EMA and training state, as .safetensors
        // and as a pickled .ckpt, in a sub-folder too, and one file that is not a checkpoint at all.
        Path raw = farm.storeDir().resolve("models/raw");
        Files.createDirectories(raw.resolve("runs"));
        Synthesizer.write(raw.resolve("alpha.safetensors"), new Synthesizer.Options(ArchitecturePreset.TINY_SD1,
                CheckpointFormat.SAFETENSORS, DType.F32, true, false, 21), true, Progress.NONE);
        Synthesizer.write(raw.resolve("runs/beta.ckpt"), new Synthesizer.Options(ArchitecturePreset.TINY_SD1,
                CheckpointFormat.TORCH_ZIP, DType.F32, true, true, 22), true, Progress.NONE);
        Files.write(raw.resolve("broken.safetensors"), "not a checkpoint".getBytes(StandardCharsets.UTF_8));

        Map<String, Object> options = Map.of("precision", "fp16", "ema", "drop", "drop_junk", true);
        JsonNode bulk = admin.post("/v1/conversions/bulk", Map.of("source_prefix", "models/raw/",
                "dest_prefix", "models/slim/", "options", options)).expect(202);
        assertEquals(3, bulk.path("count").asInt(), bulk.toString());
        Map<String, JsonNode> ended = new HashMap<>();
        for (JsonNode c : bulk.path("conversions")) {
            ended.put(c.path("source").asText(), awaitConversion(c.path("id").asText()));
        }

        for (String source : List.of("models/raw/alpha.safetensors", "models/raw/runs/beta.ckpt")) {
            JsonNode c = ended.get(source);
            assertEquals("SUCCEEDED", c.path("state").asText(), c.toString());
            Path in = farm.storeDir().resolve(source);
            Path out = farm.storeDir().resolve(c.path("output").asText());
            assertTrue(c.path("output").asText().startsWith("models/slim/"), c.toString());
            long saved = Files.size(in) - Files.size(out);
            assertTrue(saved > Files.size(in) / 2, "fp16 without EMA is less than half of fp32 with EMA: " + c);
            JsonNode model = c.path("model");
            assertEquals(sha256(out), model.path("sha256").asText());
            assertEquals("fp16", model.path("precision").asText(), model.toString());
            assertEquals(sha256(in), model.path("lineage").path("source_sha256").asText(), model.toString());
            assertEquals(saved, model.path("lineage").path("bytes_saved").asLong(), model.toString());
            assertEquals(c.path("id").asText(), model.path("lineage").path("conversion_id").asText());
        }
        JsonNode broken = ended.get("models/raw/broken.safetensors");
        assertEquals("FAILED", broken.path("state").asText(), broken.toString());
        assertTrue(!broken.path("error").asText().isBlank(), broken.toString());
        assertTrue(Files.notExists(farm.storeDir().resolve(broken.path("output").asText())), "no partial output");

        // The registry lists the slimmed models with their lineage, and the farm renders with one of them.
        JsonNode models = admin.get("/v1/models").expect(200);
        String slimName = ended.get("models/raw/alpha.safetensors").path("model").path("name").asText();
        List<String> withLineage = new ArrayList<>();
        (models.isArray() ? models : models.path("items")).forEach(m -> {
            if (m.has("lineage")) {
                withLineage.add(m.path("name").asText());
            }
        });
        assertTrue(withLineage.contains(slimName), models.toString());
        Map<String, Object> j = job(64, 2, 1, 71);
        j.put("model", slimName);
        awaitState(submit(j), "SUCCEEDED");

        // Asked again, only the failed source is tried again.
        JsonNode again = admin.post("/v1/conversions/bulk", Map.of("source_prefix", "models/raw/",
                "dest_prefix", "models/slim/", "options", options)).expect(202);
        assertEquals(1, again.path("count").asInt(), again.toString());
        awaitConversion(again.path("conversions").get(0).path("id").asText());
    }

    private static JsonNode awaitConversion(String id) throws InterruptedException {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode c = admin.get("/v1/conversions/" + id).expect(200);
            if (FarmClient.TERMINAL.contains(c.path("state").asText())) {
                return c;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("conversion " + id + " did not end within " + JOB_TIMEOUT);
    }

    private static String sha256(Path file) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        try (java.io.InputStream in = Files.newInputStream(file)) {
            in.transferTo(new java.security.DigestOutputStream(java.io.OutputStream.nullOutputStream(), md));
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }
}
