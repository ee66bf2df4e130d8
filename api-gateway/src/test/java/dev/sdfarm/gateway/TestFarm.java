package dev.sdfarm.gateway;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.Messages;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What the gateway tests share: keys, a registered tiny model, and Kafka as a worker sees it. */
final class TestFarm {
    private static String modelSha;
    private static final Map<String, String> KEYS = new ConcurrentHashMap<>();

    private TestFarm() {
    }

    static RequestSpecification as(String key) {
        return RestAssured.given().header("Authorization", "Bearer " + key);
    }

    static RequestSpecification admin() {
        return as(FarmTestResource.ADMIN_KEY);
    }

    /** A submitter key of a fresh tenant named {@code tenant} (made once per test run). */
    static synchronized String key(String tenant, double ratePerSecond) {
        return KEYS.computeIfAbsent(tenant, t -> {
            admin().contentType(ContentType.JSON)
                    .body(Map.of("id", t, "rate_per_second", ratePerSecond, "max_active_jobs", 50))
                    .post("/v1/tenants").then().statusCode(201);
            return admin().contentType(ContentType.JSON).body(Map.of("role", "SUBMITTER"))
                    .post("/v1/tenants/" + t + "/keys").then().statusCode(201).extract().path("key");
        });
    }

    static String key(String tenant) {
        return key(tenant, 1000);
    }

    /** A key with {@code role} of a fresh tenant named {@code tenant} (made once per test run). */
    static synchronized String key(String tenant, String role) {
        return KEYS.computeIfAbsent(tenant + "/" + role, t -> {
            admin().contentType(ContentType.JSON).body(Map.of("id", tenant)).post("/v1/tenants").then().statusCode(201);
            return admin().contentType(ContentType.JSON).body(Map.of("role", role))
                    .post("/v1/tenants/" + tenant + "/keys").then().statusCode(201).extract().path("key");
        });
    }

    /** An operator key (tenant {@code operators}). */
    static String operatorKey() {
        return key("operators", "OPERATOR");
    }

    /** The sha256 of the tiny model, synthesized into the store and registered (once). */
    static synchronized String model() throws IOException {
        if (modelSha == null) {
            Path file = FarmTestResource.storeRoot.resolve("models/tiny.safetensors");
            Files.createDirectories(file.getParent());
            Synthesizer.write(file, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, CheckpointFormat.SAFETENSORS,
                    DType.F16, false, false, 7), true, Progress.NONE);
            modelSha = admin().contentType(ContentType.JSON).body(Map.of("key", "models/tiny.safetensors"))
                    .post("/v1/models").then().statusCode(201).extract().path("sha256");
        }
        return modelSha;
    }

    static Response submit(String key, Map<String, ?> body) {
        return as(key).contentType(ContentType.JSON).body(body).post("/v1/jobs");
    }

    /** Waits for the job's view to satisfy {@code done}. */
    static Response await(String key, String jobId, Predicate<Response> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Response r = as(key).get("/v1/jobs/" + jobId);
            if (done.test(r)) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + jobId + " never got there; last view: " + r.asString());
            }
            Thread.sleep(50);
        }
    }

    static KafkaConsumer<String, byte[]> consumer(String... topics) {
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, FarmTestResource.bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topics));
        return c;
    }

    /** Reads until a record satisfies {@code wanted}; fails after 30 s. */
    static ConsumerRecord<String, byte[]> find(KafkaConsumer<String, byte[]> c,
                                               Predicate<ConsumerRecord<String, byte[]>> wanted) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                if (wanted.test(r)) {
                    return r;
                }
                seen.add(r.topic() + ":" + r.key());
            }
        }
        throw new AssertionError("no such record; saw " + seen);
    }

    /** Dead-letters a request as a worker that gave up on it would: its copy on the DLQ, with the headers. */
    static RecordMetadata deadLetter(ConsumerRecord<String, byte[]> request, String error, int attempts)
            throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, FarmTestResource.bootstrapServers),
                new StringSerializer(), new ByteArraySerializer())) {
            return p.send(new ProducerRecord<>(Topics.deadLetter(request.topic()), null, request.key(),
                    request.value(), List.of(
                    new RecordHeader("sdfarm-error", error.getBytes(StandardCharsets.UTF_8)),
                    new RecordHeader("sdfarm-attempts", Integer.toString(attempts).getBytes(StandardCharsets.UTF_8)),
                    new RecordHeader("sdfarm-origin", (request.topic() + "/" + request.partition() + "@"
                            + request.offset()).getBytes(StandardCharsets.UTF_8))))).get();
        }
    }

    /** Publishes raw records, e.g. heartbeats as a worker would (or garbage). */
    static void publish(String topic, String key, byte[]... values) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, FarmTestResource.bootstrapServers),
                new StringSerializer(), new ByteArraySerializer())) {
            for (byte[] v : values) {
                p.send(new ProducerRecord<>(topic, key, v)).get();
            }
        }
    }

    /** Publishes job events as a worker would. */
    static void emit(JobEvent... events) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, FarmTestResource.bootstrapServers),
                new StringSerializer(), new ByteArraySerializer())) {
            for (JobEvent e : events) {
                p.send(new ProducerRecord<>(Topics.JOB_EVENTS, e.jobId().toString(), Messages.toJson(e))).get();
            }
        }
    }
}
