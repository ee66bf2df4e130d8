package dev.sdfarm.gateway;

import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import dev.sdfarm.gateway.conversion.Conversion;
import dev.sdfarm.gateway.conversion.ConversionOptions;
import dev.sdfarm.gateway.conversion.ConversionService;
import dev.sdfarm.gateway.conversion.ConversionState;
import dev.sdfarm.gateway.conversion.FakeConverter;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static dev.sdfarm.gateway.TestFarm.admin;
import static dev.sdfarm.gateway.TestFarm.as;
import static dev.sdfarm.gateway.TestFarm.key;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conversions through the local launcher: a real child process per conversion, running {@link FakeConverter}
 * (the converter's contract on the JDK alone), as configured in {@link LocalLauncherProfile}.
 */
@QuarkusTest
@TestProfile(LocalLauncherProfile.class)
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class ConversionApiTest {
    @Inject
    ConversionService conversions;

    static Path checkpoint(String key, long seed) throws Exception {
        Path file = FarmTestResource.storeRoot.resolve(key);
        Files.createDirectories(file.getParent());
        Synthesizer.write(file, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, CheckpointFormat.SAFETENSORS,
                DType.F16, false, false, seed), true, Progress.NONE);
        return file;
    }

    static Response submit(Map<String, ?> body) {
        return admin().contentType(ContentType.JSON).body(body).post("/v1/conversions");
    }

    static Response await(String id, Predicate<Response> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Response r = admin().get("/v1/conversions/" + id);
            if (done.test(r)) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("conversion " + id + " never got there; last view: " + r.asString());
            }
            Thread.sleep(100);
        }
    }

    static Response ended(String id) throws InterruptedException {
        return await(id, r -> List.of("SUCCEEDED", "FAILED").contains(r.<String>path("state")));
    }

    @Test
    void convertsInAChildProcessAndRegistersTheOutputWithLineage() throws Exception {
        Path source = checkpoint("raw/local/base.safetensors", 21);
        String sourceSha = FakeConverter.sha256(Files.readAllBytes(source));
        Response r = submit(Map.of("source", "raw/local/base.safetensors",
                "options", Map.of("precision", "bf16", "ema", "keep", "drop_junk", true)));
        r.then().statusCode(202).header("Location", containsString("/v1/conversions/"))
                .body("output", equalTo("models/slim/base-bf16-ema-keep.safetensors"))
                .body("launcher", equalTo("local"))
                .body("options.precision", equalTo("bf16"))
                .body("options.format", equalTo("safetensors"))
                .body("options.drop_junk", equalTo(true));
        String id = r.path("id");
        Response done = ended(id);
        done.then().body("state", equalTo("SUCCEEDED"))
                .body("progress.percent", equalTo(100))
                .body("attempts", equalTo(1))
                .body("result.source_sha256", equalTo(sourceSha))
                .body("result.warnings", hasItem("fake converter: nothing was slimmed"))
                .body("log_tail", hasItem(containsString("--precision bf16 --ema keep --format safetensors"
                        + " --drop-junk")))
                .body("model.name", equalTo("base-bf16-ema-keep"))
                .body("model.lineage.source_sha256", equalTo(sourceSha))
                .body("model.lineage.conversion_id", equalTo(id))
                .body("started_at", notNullValue()).body("finished_at", notNullValue());
        byte[] output = Files.readAllBytes(FarmTestResource.storeRoot.resolve(
                "models/slim/base-bf16-ema-keep.safetensors"));
        String outputSha = FakeConverter.sha256(output);
        long bytesIn = Files.size(source);
        assertEquals(outputSha, done.path("result.output_sha256"));
        assertEquals(bytesIn, ((Number) done.path("result.bytes_in")).longValue());
        assertEquals(output.length, ((Number) done.path("result.bytes_out")).longValue());
        assertEquals(bytesIn - output.length, ((Number) done.path("result.bytes_saved")).longValue());
        admin().get("/v1/models").then().statusCode(200)
                .body("find { it.sha256 == '" + outputSha + "' }.lineage.source_sha256", equalTo(sourceSha))
                .body("find { it.sha256 == '" + outputSha + "' }.lineage.conversion_id", equalTo(id))
                .body("find { it.sha256 == '" + outputSha + "' }.lineage.bytes_saved",
                        equalTo((int) (bytesIn - output.length)));
        // The same output again is a conflict, not a second run.
        submit(Map.of("source", "raw/local/base.safetensors", "options", Map.of("precision", "bf16", "ema", "keep")))
                .then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("models/slim/base-bf16-ema-keep.safetensors"));
    }

    @Test
    void aConverterExitCodeFailsTheConversionWithItsMessage() throws Exception {
        checkpoint("raw/local/corrupt.safetensors", 22);
        String id = submit(Map.of("source", "raw/local/corrupt.safetensors", "dest_prefix", "models/broken/"))
                .then().statusCode(202).extract().path("id");
        Response done = ended(id);
        done.then().body("state", equalTo("FAILED"))
                .body("error", containsString("bad or corrupt input (exit 2)"))
                .body("error", containsString("header length exceeds the file"))
                .body("result", nullValue()).body("model", nullValue())
                .body("log_tail", hasSize(lessThanOrEqualTo(50)));
        assertTrue(Files.notExists(FarmTestResource.storeRoot.resolve("models/broken/corrupt-fp16.safetensors")));
    }

    @Test
    void atStartupInterruptedConversionsFailAndQueuedOnesRun() throws Exception {
        checkpoint("raw/local/left.safetensors", 25);
        UUID running = UUID.randomUUID();
        UUID queued = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> {
            leftOver(running, ConversionState.RUNNING, "models/left/left-a.safetensors").persist();
            leftOver(queued, ConversionState.QUEUED, "models/left/left-fp16.safetensors").persist();
        });
        conversions.recoverUnfinished();
        ended(running.toString()).then().body("state", equalTo("FAILED"))
                .body("error", containsString("the gateway stopped while the converter ran"));
        ended(queued.toString()).then().body("state", equalTo("SUCCEEDED"))
                .body("model.lineage.conversion_id", equalTo(queued.toString()));
    }

    private static Conversion leftOver(UUID id, ConversionState state, String output) {
        Conversion c = new Conversion();
        c.id = id;
        c.state = state;
        c.sourceKey = "raw/local/left.safetensors";
        c.sourceSize = 1;
        c.outputKey = output;
        c.options = ConversionOptions.defaults().toJson();
        c.optionsKey = ConversionOptions.defaults().canonical();
        c.launcher = "local";
        c.createdAt = Instant.now();
        return c;
    }

    @Test
    void aRunningConversionCanBeCancelled() throws Exception {
        checkpoint("raw/local/slow.safetensors", 24);
        String id = submit(Map.of("source", "raw/local/slow.safetensors", "dest_prefix", "models/cancelled/"))
                .then().statusCode(202).extract().path("id");
        await(id, v -> "RUNNING".equals(v.path("state")) && Integer.valueOf(40).equals(v.path("progress.percent")))
                .then().body("progress.phase", equalTo("convert"));
        admin().delete("/v1/conversions/" + id).then().statusCode(202);
        long started = System.nanoTime();
        ended(id).then().body("state", equalTo("FAILED")).body("error", equalTo("cancelled"));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(30), "the child was stopped, not awaited");
        admin().delete("/v1/conversions/" + id).then().statusCode(409);
    }

    @Test
    void bulkConvertsEveryCheckpointOnceAndSkipsThemTheSecondTime() throws Exception {
        checkpoint("raw/bulk/a.safetensors", 31);
        checkpoint("raw/bulk/sub/b.safetensors", 32);
        Files.writeString(FarmTestResource.storeRoot.resolve("raw/bulk/notes.txt"), "not a checkpoint");
        Map<String, Object> body = Map.of("source_prefix", "raw/bulk/", "dest_prefix", "models/bulk/",
                "options", Map.of("precision", "fp16"));
        Response r = admin().contentType(ContentType.JSON).body(body).post("/v1/conversions/bulk");
        r.then().statusCode(202).body("count", equalTo(2)).body("skipped", equalTo(0))
                .body("conversions.output", org.hamcrest.Matchers.containsInAnyOrder(
                        "models/bulk/a-fp16.safetensors", "models/bulk/sub/b-fp16.safetensors"));
        String bulkId = r.path("id");
        for (String id : r.<List<String>>path("conversions.id")) {
            ended(id).then().body("state", equalTo("SUCCEEDED")).body("bulk_id", equalTo(bulkId));
        }
        admin().get("/v1/conversions/bulk/" + bulkId).then().statusCode(200)
                .body("count", equalTo(2)).body("states.SUCCEEDED", equalTo(2)).body("conversions", hasSize(2));
        admin().contentType(ContentType.JSON).body(body).post("/v1/conversions/bulk").then().statusCode(202)
                .body("count", equalTo(0)).body("skipped", equalTo(2))
                .body("skipped_sources", org.hamcrest.Matchers.containsInAnyOrder("raw/bulk/a.safetensors",
                        "raw/bulk/sub/b.safetensors"));
        admin().get("/v1/conversions?state=succeeded&size=500").then().statusCode(200)
                .body("findAll { it.bulk_id == '" + bulkId + "' }", hasSize(2))
                .body("[0].log_tail", nullValue());
        admin().get("/v1/conversions/bulk/00000000-0000-0000-0000-000000000000").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void badRequestsAreProblemsAndLeaveNoConversion() throws Exception {
        checkpoint("raw/local/valid.safetensors", 23);
        int before = admin().get("/v1/conversions?size=500").then().statusCode(200).extract().path("size()");
        submit(Map.of("source", "raw/local/valid.safetensors", "options", Map.of("precision", "fp64")))
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].field", equalTo("options.precision"));
        submit(Map.of("source", "raw/local/valid.safetensors", "options", Map.of("ema", "maybe", "format", "onnx")))
                .then().statusCode(422).body("errors.field", hasItem("options.ema"))
                .body("errors.field", hasItem("options.format"));
        submit(Map.of("source", "raw/local/valid.safetensors", "options", Map.of("sharpen", true)))
                .then().statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("sharpen"));
        submit(Map.of("source", "raw/local/valid.safetensors", "options", Map.of("drop_junk", "yes please")))
                .then().statusCode(422).body("errors[0].field", containsString("drop_junk"));
        submit(Map.of("source", "../etc/passwd")).then().statusCode(422).body("errors[0].field", equalTo("source"));
        submit(Map.of("options", Map.of())).then().statusCode(422).body("errors[0].field", equalTo("source"));
        submit(Map.of("source", "raw/local/valid.safetensors", "dest_prefix", "models/slim"))
                .then().statusCode(422).body("errors[0].field", equalTo("dest_prefix"));
        submit(Map.of("source", "raw/local/valid.safetensors", "options", Map.of("bake_vae", "vae/missing.pt")))
                .then().statusCode(422).body("errors[0].field", equalTo("options.bake_vae"));
        submit(Map.of("source", "raw/local/missing.safetensors")).then().statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("raw/local/missing.safetensors"));
        admin().contentType(ContentType.JSON).body("{\"source\": ").post("/v1/conversions").then().statusCode(400)
                .contentType("application/problem+json");
        admin().contentType(ContentType.JSON).body(Map.of("source_prefix", "raw/local"))
                .post("/v1/conversions/bulk").then().statusCode(422).body("errors[0].field", equalTo("source_prefix"));
        admin().get("/v1/conversions?state=paused").then().statusCode(400);
        admin().get("/v1/conversions/00000000-0000-0000-0000-000000000000").then().statusCode(404);
        int after = admin().get("/v1/conversions?size=500").then().statusCode(200).extract().path("size()");
        assertEquals(before, after, "no conversion row for a refused request");
    }

    @Test
    void submittersAndAnonymousCallersCannotTouchConversions() {
        String submitter = key("conversions-submitter");
        String any = "00000000-0000-0000-0000-000000000000";
        Map<String, Object> body = Map.of("source", "raw/local/valid.safetensors");
        as(submitter).contentType(ContentType.JSON).body(body).post("/v1/conversions").then().statusCode(403)
                .contentType("application/problem+json").body("detail", containsString("operator"));
        as(submitter).contentType(ContentType.JSON).body(Map.of("source_prefix", "raw/")).post("/v1/conversions/bulk")
                .then().statusCode(403);
        as(submitter).get("/v1/conversions").then().statusCode(403);
        as(submitter).get("/v1/conversions/" + any).then().statusCode(403);
        as(submitter).get("/v1/conversions/bulk/" + any).then().statusCode(403);
        as(submitter).delete("/v1/conversions/" + any).then().statusCode(403);
        RestAssured.given().contentType(ContentType.JSON).body(body).post("/v1/conversions").then().statusCode(401);
        RestAssured.get("/v1/conversions").then().statusCode(401);
    }
}
