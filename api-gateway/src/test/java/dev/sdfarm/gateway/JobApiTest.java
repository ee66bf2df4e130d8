package dev.sdfarm.gateway;

import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.CancelRequest;
import dev.sdfarm.core.message.GenerationRequest;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.OutputImage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.sdfarm.gateway.TestFarm.admin;
import static dev.sdfarm.gateway.TestFarm.as;
import static dev.sdfarm.gateway.TestFarm.await;
import static dev.sdfarm.gateway.TestFarm.key;
import static dev.sdfarm.gateway.TestFarm.model;
import static dev.sdfarm.gateway.TestFarm.submit;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class JobApiTest {
    private static final Map<String, Object> FOX = Map.of("prompt", "a red fox", "steps", 4, "width", 64,
            "height", 64, "sampler_name", "Euler a", "seed", 42);

    @Test
    void registersAModelFromTheStoreWithItsAnatomy() throws Exception {
        String sha = model();
        admin().get("/v1/models").then().statusCode(200)
                .body("find { it.sha256 == '" + sha + "' }.name", equalTo("tiny"))
                .body("find { it.sha256 == '" + sha + "' }.precision", equalTo("fp16"))
                .body("find { it.sha256 == '" + sha + "' }.autov2", equalTo(sha.substring(0, 10)));
        // Registering the same file again is not an error and changes nothing.
        admin().contentType(ContentType.JSON).body(Map.of("key", "models/tiny.safetensors")).post("/v1/models")
                .then().statusCode(200).body("sha256", equalTo(sha));
        admin().contentType(ContentType.JSON).body(Map.of("key", "models/none.safetensors")).post("/v1/models")
                .then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void submittedJobIsQueuedOnKafkaWithItsSeedFixedThroughTheOutbox() throws Exception {
        String sha = model();
        String key = key("acme");
        try (KafkaConsumer<String, byte[]> c = TestFarm.consumer(Topics.GENERATION_INTERACTIVE)) {
            Response r = submit(key, Map.of("prompt", "a red fox", "steps", 4, "width", 64, "height", 64));
            r.then().statusCode(202).header("Location", containsString("/v1/jobs/"))
                    .body("state", equalTo("QUEUED"))
                    .body("params.sampler_name", equalTo("Euler"))
                    .body("params.cfg_scale", equalTo(7.0f))
                    .body("params.batch_size", equalTo(1))
                    .body("queue_position", notNullValue());
            String id = r.path("id");
            long seed = ((Number) r.path("params.seed")).longValue();
            assertTrue(seed >= 0 && seed < 4294967295L, "random seed fixed at submission: " + seed);
            ConsumerRecord<String, byte[]> rec = TestFarm.find(c, x -> Messages.fromJson(x.value(),
                    GenerationRequest.class).jobId().toString().equals(id));
            assertEquals(sha, rec.key(), "requests are keyed by model sha256");
            GenerationRequest req = Messages.fromJson(rec.value(), GenerationRequest.class);
            assertEquals(seed, req.params().seed());
            assertEquals("acme", req.tenantId());
            assertEquals("outputs/acme/" + id + "/", req.outputPrefix());
            assertEquals("models/tiny.safetensors", req.model().key());
        }
    }

    @Test
    void eventsDriveTheJobToSuccessAndRepeatsChangeNothing() throws Exception {
        model();
        String key = key("acme");
        String id = submit(key, FOX).then().statusCode(202).extract().path("id");
        UUID job = UUID.fromString(id);
        Instant now = Instant.now();
        TestFarm.emit(JobEvent.started(job, "w1", 4, now), JobEvent.progress(job, "w1", 2, 4, now));
        await(key, id, r -> r.path("progress.step").equals(2)).then().body("state", equalTo("RUNNING"));
        // A worker that crashed and re-renders repeats the same positions: they are not news.
        TestFarm.emit(JobEvent.started(job, "w2", 4, now), JobEvent.progress(job, "w2", 1, 4, now));
        OutputImage out = new OutputImage(0, "outputs/acme/" + id + "/0.png", 42, "a red fox\nSteps: 4", 64, 64, 10,
                "ab".repeat(32));
        TestFarm.emit(JobEvent.succeeded(job, "w2", 4, List.of(out), now));
        Response done = await(key, id, r -> "SUCCEEDED".equals(r.path("state")));
        done.then().body("progress.step", equalTo(4)).body("outputs", hasSize(1))
                .body("outputs[0].url", equalTo("/v1/images/outputs/acme/" + id + "/0.png"))
                .body("outputs[0].seed", equalTo(42)).body("outputs[0].infotext", startsWith("a red fox"));
        // After the end nothing moves it, not even a failure for the same job.
        TestFarm.emit(JobEvent.ended(dev.sdfarm.core.message.JobEventType.FAILED, job, "w3", 0, 4, "boom", now));
        Thread.sleep(500);
        as(key).get("/v1/jobs/" + id).then().body("state", equalTo("SUCCEEDED"));
    }

    @Test
    void sameIdempotencyKeyGivesTheSameJobAndADifferentBodyIsRefused() throws Exception {
        model();
        String key = key("acme");
        String first = as(key).header("Idempotency-Key", "order-17").contentType(ContentType.JSON).body(FOX)
                .post("/v1/jobs").then().statusCode(202).extract().path("id");
        as(key).header("Idempotency-Key", "order-17").contentType(ContentType.JSON).body(FOX).post("/v1/jobs")
                .then().statusCode(202).header("Idempotent-Replayed", "true").body("id", equalTo(first));
        as(key).header("Idempotency-Key", "order-17").contentType(ContentType.JSON)
                .body(Map.of("prompt", "another")).post("/v1/jobs")
                .then().statusCode(422).body("detail", containsString(first));
        // Another tenant's identical key is its own.
        String other = as(key("globex")).header("Idempotency-Key", "order-17").contentType(ContentType.JSON)
                .body(FOX).post("/v1/jobs").then().statusCode(202).extract().path("id");
        assertNotEquals(first, other);
    }

    @Test
    void invalidRequestsGetProblemBodiesAndCreateNoJob() throws Exception {
        model();
        String key = key("strict");
        as(key).contentType(ContentType.JSON).body(Map.of("width", 100, "steps", 0, "sampler_name", "Nope"))
                .post("/v1/jobs").then().statusCode(422).contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("width", "steps", "sampler_name"))
                .body("errors.find { it.field == 'sampler_name' }.message", containsString("Euler a"));
        as(key).contentType(ContentType.JSON).body("{\"prompt\": \"x\", \"enable_hr\": true}").post("/v1/jobs")
                .then().statusCode(422).body("detail", containsString("enable_hr"));
        as(key).contentType(ContentType.JSON).body("{\"prompt\": ").post("/v1/jobs")
                .then().statusCode(400).contentType("application/problem+json");
        as(key).contentType(ContentType.JSON).body("{\"prompt\": \"" + "x".repeat(2 << 20) + "\"}")
                .post("/v1/jobs").then().statusCode(413);
        as(key).contentType(ContentType.JSON).body(Map.of("width", 2048, "height", 2048)).post("/v1/jobs")
                .then().statusCode(422).body("errors[0].message", containsString("pixels"));
        as(key).get("/v1/jobs").then().statusCode(200).body("$", hasSize(0));
    }

    @Test
    void tenantsCannotSeeEachOthersJobsOrImages() throws Exception {
        model();
        String a = key("acme");
        String b = key("globex");
        String id = submit(a, FOX).then().statusCode(202).extract().path("id");
        as(b).get("/v1/jobs/" + id).then().statusCode(404);
        as(b).delete("/v1/jobs/" + id).then().statusCode(404);
        as(b).get("/v1/jobs/" + id + "/events").then().statusCode(404);
        as(b).get("/v1/jobs").then().body("id", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItem(id)));

        Path png = FarmTestResource.storeRoot.resolve("outputs/acme/" + id + "/0.png");
        Files.createDirectories(png.getParent());
        Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        byte[] got = as(a).get("/v1/images/outputs/acme/" + id + "/0.png").then().statusCode(200)
                .contentType("image/png").extract().asByteArray();
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, got);
        as(b).get("/v1/images/outputs/acme/" + id + "/0.png").then().statusCode(404);
        as(b).get("/v1/images/outputs/globex/../acme/" + id + "/0.png").then().statusCode(404);
    }

    @Test
    void requestsWithoutAValidKeyAreRefused() {
        RestAssured.get("/v1/jobs").then().statusCode(401).contentType("application/problem+json");
        as("sdf_0000000000000000_00000000000000000000000000000000").get("/v1/jobs").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"));
        as("not-a-key").get("/v1/jobs").then().statusCode(401);
        // A submitter cannot administer.
        as(key("acme")).contentType(ContentType.JSON).body(Map.of("id", "evil")).post("/v1/tenants")
                .then().statusCode(403);
        // Basic with the key as password, as webui clients send it.
        RestAssured.given().auth().preemptive().basic("anyone", key("acme")).get("/v1/jobs").then().statusCode(200);
    }

    @Test
    void cancellingAQueuedJobEndsItAndTellsTheWorkers() throws Exception {
        model();
        String key = key("acme");
        String id = submit(key, FOX).then().statusCode(202).extract().path("id");
        try (KafkaConsumer<String, byte[]> c = TestFarm.consumer(Topics.JOB_CONTROL)) {
            as(key).delete("/v1/jobs/" + id).then().statusCode(202).body("state", equalTo("CANCELLED"));
            TestFarm.find(c, r -> Messages.fromJson(r.value(), CancelRequest.class).jobId().toString().equals(id));
        }
        as(key).delete("/v1/jobs/" + id).then().statusCode(409);
        // A worker that had already taken it finishes: its success is ignored.
        TestFarm.emit(JobEvent.succeeded(UUID.fromString(id), "w1", 4, List.of(), Instant.now()));
        Thread.sleep(300);
        as(key).get("/v1/jobs/" + id).then().body("state", equalTo("CANCELLED"));
    }

    @Test
    void cancellingARunningJobWaitsForTheWorker() throws Exception {
        model();
        String key = key("acme");
        String id = submit(key, FOX).then().statusCode(202).extract().path("id");
        UUID job = UUID.fromString(id);
        TestFarm.emit(JobEvent.started(job, "w1", 4, Instant.now()));
        await(key, id, r -> "RUNNING".equals(r.path("state")));
        as(key).delete("/v1/jobs/" + id).then().statusCode(202).body("state", equalTo("RUNNING"));
        TestFarm.emit(JobEvent.ended(dev.sdfarm.core.message.JobEventType.CANCELLED, job, "w1", 1, 4,
                "cancelled by the client", Instant.now()));
        await(key, id, r -> "CANCELLED".equals(r.path("state")));
    }

    @Test
    void submissionsOverTheKeysRateGet429WithRetryAfter() throws Exception {
        model();
        String key = key("slow", 0.5);
        int accepted = 0;
        Response refused = null;
        for (int i = 0; i < 5 && refused == null; i++) {
            Response r = submit(key, FOX);
            if (r.statusCode() == 202) {
                accepted++;
            } else {
                refused = r;
            }
        }
        assertEquals(1, accepted, "a burst of two seconds at 0.5/s is one job");
        refused.then().statusCode(429).header("Retry-After", notNullValue()).body("type", containsString("rate"));
    }

    @Test
    void listsOnlyTheCallersJobsNewestFirstAndFiltersByState() throws Exception {
        model();
        String key = key("lister");
        String a = submit(key, FOX).then().statusCode(202).extract().path("id");
        String b = submit(key, FOX).then().statusCode(202).extract().path("id");
        as(key).delete("/v1/jobs/" + a).then().statusCode(202);
        as(key).get("/v1/jobs").then().statusCode(200).body("id", equalTo(List.of(b, a)));
        as(key).get("/v1/jobs?state=cancelled").then().body("id", equalTo(List.of(a)));
        as(key).get("/v1/jobs?state=bogus").then().statusCode(400);
        as(key).get("/v1/jobs?size=1&page=1").then().body("id", equalTo(List.of(a)));

        // The list shows each queued job's position, the one its own view has.
        String c = submit(key, FOX).then().statusCode(202).extract().path("id");
        List<Map<String, Object>> listed = as(key).get("/v1/jobs?state=queued").then().statusCode(200).extract()
                .path("");
        assertEquals(List.of(c, b), listed.stream().map(j -> j.get("id")).toList());
        for (Map<String, Object> j : listed) {
            Object own = as(key).get("/v1/jobs/" + j.get("id")).then().extract().path("queue_position");
            assertEquals(own, j.get("queue_position"), "position of " + j.get("id"));
        }
        assertTrue(((Number) listed.get(0).get("queue_position")).longValue()
                > ((Number) listed.get(1).get("queue_position")).longValue(), listed.toString());
        as(key).get("/v1/jobs?state=cancelled").then().body("[0].queue_position", equalTo(null));
    }
}
