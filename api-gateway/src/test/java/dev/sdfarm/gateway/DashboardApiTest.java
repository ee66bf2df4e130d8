package dev.sdfarm.gateway;

import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.GenerationRequest;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.JobEventType;
import dev.sdfarm.core.message.Messages;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import io.restassured.RestAssured;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.sdfarm.gateway.TestFarm.as;
import static dev.sdfarm.gateway.TestFarm.await;
import static dev.sdfarm.gateway.TestFarm.key;
import static dev.sdfarm.gateway.TestFarm.model;
import static dev.sdfarm.gateway.TestFarm.operatorKey;
import static dev.sdfarm.gateway.TestFarm.submit;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class DashboardApiTest {
    /** Batch jobs stay queued: the fake worker only takes interactive requests. */
    private static final Map<String, Object> QUEUED_JOB = Map.of("prompt", "a lighthouse at dusk", "steps", 4,
            "width", 64, "height", 64, "priority", "batch");
    private static final String BATCH_DLQ = Topics.deadLetter(Topics.GENERATION_BATCH);

    @Test
    void dashboardApiIsDescribedInOpenApi() {
        var spec = RestAssured.given().accept("application/json").get("/q/openapi").then().statusCode(200);
        for (String path : List.of("/v1/dashboard/overview", "/v1/dashboard/stream", "/v1/dashboard/jobs",
                "/v1/dashboard/jobs/{id}", "/v1/dashboard/dlq", "/v1/dashboard/gallery")) {
            spec.body("paths.'" + path + "'.get", org.hamcrest.Matchers.notNullValue());
        }
        spec.body("paths.'/v1/dashboard/dlq/{topic}/{partition}/{offset}/requeue'.post",
                org.hamcrest.Matchers.notNullValue());
        spec.body("components.schemas.Overview.properties.minutes", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    void submitterIsRefusedEveryDashboardEndpoint() throws Exception {
        model();
        String submitter = key("dash-submitter");
        for (String path : List.of("/v1/dashboard/overview", "/v1/dashboard/stream", "/v1/dashboard/jobs",
                "/v1/dashboard/jobs/" + java.util.UUID.randomUUID(), "/v1/dashboard/dlq", "/v1/dashboard/gallery")) {
            as(submitter).get(path).then().statusCode(403).contentType("application/problem+json")
                    .body("detail", startsWith("this needs the operator role"));
        }
        as(submitter).post("/v1/dashboard/dlq/" + BATCH_DLQ + "/0/0/requeue").then().statusCode(403)
                .contentType("application/problem+json");
        io.restassured.RestAssured.given().get("/v1/dashboard/overview").then().statusCode(401);
    }

    @Test
    void operatorPagesThroughEveryTenantsJobsNewestFirst() throws Exception {
        model();
        String a = key("dash-a");
        String b = key("dash-b");
        List<String> submitted = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            submitted.add(submit(a, QUEUED_JOB).then().statusCode(202).extract().path("id"));
            submitted.add(submit(b, QUEUED_JOB).then().statusCode(202).extract().path("id"));
        }
        String op = operatorKey();
        // Two tenants' jobs, filtered to those tenants, newest first, two per page.
        List<String> seen = new ArrayList<>();
        for (String tenant : List.of("dash-a", "dash-b")) {
            String before = null;
            int pages = 0;
            do {
                var req = as(op).queryParam("tenant", tenant).queryParam("limit", 2);
                if (before != null) {
                    req.queryParam("before", before);
                }
                Response page = req.get("/v1/dashboard/jobs").then().statusCode(200)
                        .body("items.tenant", org.hamcrest.Matchers.everyItem(equalTo(tenant))).extract().response();
                List<String> ids = page.path("items.id");
                List<String> created = page.path("items.created_at");
                for (int i = 1; i < created.size(); i++) {
                    assertTrue(Instant.parse(created.get(i - 1)).compareTo(Instant.parse(created.get(i))) >= 0,
                            "newest first: " + created);
                }
                seen.addAll(ids);
                before = page.path("next");
                pages++;
            } while (before != null);
            assertEquals(2, pages, "3 jobs at 2 per page");
        }
        assertEquals(6, seen.size());
        assertEquals(new HashSet<>(submitted), new HashSet<>(seen), "each job once, across pages");
        List<String> newestOfA = List.of(submitted.get(4), submitted.get(2), submitted.get(0));
        assertEquals(newestOfA, seen.subList(0, 3));

        // Unfiltered, the operator sees both tenants' jobs in one list.
        List<String> tenants = as(op).queryParam("limit", 200).queryParam("state", "queued")
                .get("/v1/dashboard/jobs").then().statusCode(200).extract().path("items.tenant");
        assertTrue(tenants.contains("dash-a") && tenants.contains("dash-b"), "all tenants: " + tenants);

        as(op).get("/v1/dashboard/jobs/" + submitted.get(1)).then().statusCode(200)
                .body("tenant", equalTo("dash-b"))
                .body("job.state", equalTo("QUEUED"))
                .body("job.params.prompt", equalTo("a lighthouse at dusk"))
                .body("job.progress.total_steps", equalTo(4))
                .body("events.last_seq", equalTo(0));
        // ...which stay invisible to the other tenant.
        as(a).get("/v1/jobs/" + submitted.get(1)).then().statusCode(404);

        as(op).queryParam("limit", 201).get("/v1/dashboard/jobs").then().statusCode(400)
                .contentType("application/problem+json");
        as(op).queryParam("before", "not-a-cursor").get("/v1/dashboard/jobs").then().statusCode(400)
                .body("detail", startsWith("before is not a cursor"));
        as(op).queryParam("state", "sleeping").get("/v1/dashboard/jobs").then().statusCode(400);
        as(op).get("/v1/dashboard/jobs/" + java.util.UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void overviewCountsWhatWasSubmittedAndFinished() throws Exception {
        model();
        String op = operatorKey();
        String tenant = key("dash-overview");
        int queuedBefore = as(op).get("/v1/dashboard/overview").then().statusCode(200)
                .extract().path("queued.batch");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(submit(tenant, QUEUED_JOB).then().statusCode(202).extract().path("id"));
        }
        as(op).get("/v1/dashboard/overview").then().statusCode(200)
                .body("queued.batch", equalTo(queuedBefore + 3))
                .body("minutes", hasSize(60));

        // Two of them end 37 minutes ago (the events' times are the worker's): one succeeds after 40 s of 4
        // steps (10 s/step), one fails after 20 s (5 s/step); that minute shows exactly these two.
        Instant minute = Instant.now().minus(37, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MINUTES);
        java.util.UUID ok = java.util.UUID.fromString(ids.get(0));
        java.util.UUID bad = java.util.UUID.fromString(ids.get(1));
        TestFarm.emit(JobEvent.started(ok, "w1", 4, minute.plusSeconds(5)),
                JobEvent.succeeded(ok, "w1", 4, List.of(), minute.plusSeconds(45)),
                JobEvent.started(bad, "w1", 4, minute.plusSeconds(10)),
                JobEvent.ended(JobEventType.FAILED, bad, "w1", 0, 4, "out of memory", minute.plusSeconds(30)));
        await(tenant, ids.get(0), r -> "SUCCEEDED".equals(r.path("state")));
        await(tenant, ids.get(1), r -> "FAILED".equals(r.path("state")));
        Response o = as(op).get("/v1/dashboard/overview").then().statusCode(200)
                .body("queued.batch", equalTo(queuedBefore + 1)).extract().response();
        List<Map<String, Object>> minutes = o.path("minutes");
        Map<String, Object> m = minutes.stream().filter(x -> Instant.parse((String) x.get("start")).equals(minute))
                .findFirst().orElseThrow(() -> new AssertionError("no minute " + minute + " in " + minutes));
        assertEquals(1, m.get("succeeded"));
        assertEquals(1, m.get("failed"));
        assertEquals(0, m.get("cancelled"));
        assertEquals(7.5, ((Number) m.get("seconds_per_step")).doubleValue(), 1e-6);

        // The gauges' values (refreshed in the background) arrive too: the farm has queued jobs.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            Response r = as(op).get("/v1/dashboard/overview");
            Integer queued = r.path("active.QUEUED");
            if (queued != null && queued >= 1 && r.path("outbox_backlog") != null
                    && r.path("lag.'" + Topics.GENERATION_BATCH + "'") != null) {
                break;
            }
            assertTrue(System.nanoTime() < deadline, "gauge values never arrived: " + r.asString());
            Thread.sleep(200);
        }
    }

    @Test
    void streamSendsTheOverviewAgainAndAgain() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                        + "/v1/dashboard/stream")).header("Authorization", "Bearer " + operatorKey())
                .header("Accept", "text/event-stream").build();
        HttpResponse<Stream<String>> res = client.send(req, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, res.statusCode());
        List<String> at = new ArrayList<>();
        try (Stream<String> lines = res.body()) {
            var it = lines.iterator();
            while (at.size() < 2 && it.hasNext()) {
                String line = it.next();
                if (line.startsWith("data:")) {
                    Map<?, ?> overview = Messages.fromJson(line.substring(5).trim().getBytes(StandardCharsets.UTF_8),
                            Map.class);
                    assertTrue(overview.containsKey("queued") && overview.containsKey("minutes"), line);
                    at.add((String) overview.get("at"));
                }
            }
        }
        assertEquals(2, at.size());
        assertTrue(Instant.parse(at.get(1)).isAfter(Instant.parse(at.get(0))), "a fresh overview each time: " + at);
    }

    @Test
    void deadLetterIsListedAndRequeuedToItsOriginTopic() throws Exception {
        model();
        String op = operatorKey();
        String tenant = key("dash-dlq");
        String id = submit(tenant, QUEUED_JOB).then().statusCode(202).extract().path("id");
        try (KafkaConsumer<String, byte[]> requests = TestFarm.consumer(Topics.GENERATION_BATCH)) {
            ConsumerRecord<String, byte[]> original = TestFarm.find(requests, r -> id.equals(
                    Messages.fromJson(r.value(), GenerationRequest.class).jobId().toString()));
            // The worker gives up: it dead-letters the request with its headers and fails the job.
            RecordMetadata dead = TestFarm.deadLetter(original, "IllegalStateException: device lost", 3);
            TestFarm.emit(JobEvent.ended(JobEventType.FAILED, java.util.UUID.fromString(id), "w1", 0, 4,
                    "the worker failed 3 times", Instant.now()));
            await(tenant, id, r -> "FAILED".equals(r.path("state")));

            String at = "find { it.topic == '" + BATCH_DLQ + "' && it.offset == " + dead.offset() + " }";
            as(op).get("/v1/dashboard/dlq").then().statusCode(200)
                    .body(at + ".job_id", equalTo(id))
                    .body(at + ".tenant", equalTo("dash-dlq"))
                    .body(at + ".error", equalTo("IllegalStateException: device lost"))
                    .body(at + ".attempts", equalTo(3))
                    .body(at + ".origin", equalTo(original.topic() + "/" + original.partition() + "@"
                            + original.offset()))
                    .body(at + ".key", equalTo(original.key()));

            String requeue = "/v1/dashboard/dlq/" + BATCH_DLQ + "/" + dead.partition() + "/" + dead.offset()
                    + "/requeue";
            as(op).post(requeue).then().statusCode(202)
                    .body("job_id", equalTo(id)).body("requeued", equalTo(true))
                    .body("topic", equalTo(Topics.GENERATION_BATCH)).body("state", equalTo("QUEUED"));
            ConsumerRecord<String, byte[]> again = TestFarm.find(requests, r -> r.offset() > original.offset()
                    && id.equals(Messages.fromJson(r.value(), GenerationRequest.class).jobId().toString()));
            assertEquals(original.key(), again.key(), "same key (the model) as the original request");
            assertArrayEquals(original.value(), again.value(), "the dead-lettered value, as it was");
            as(tenant).get("/v1/jobs/" + id).then().body("state", equalTo("QUEUED"));

            // Again: the job is already queued, nothing more is published.
            as(op).post(requeue).then().statusCode(202).body("requeued", equalTo(false));
        }
        as(op).post("/v1/dashboard/dlq/" + BATCH_DLQ + "/0/999999/requeue").then().statusCode(404)
                .contentType("application/problem+json");
        as(op).post("/v1/dashboard/dlq/" + Topics.JOB_EVENTS + "/0/0/requeue").then().statusCode(404);
    }

    @Test
    void operatorsReadAnyTenantsImagesAndTenantsStillOnlyTheirOwn() throws Exception {
        model();
        String owner = key("dash-img-owner");
        String other = key("dash-img-other");
        try (FakeWorker worker = new FakeWorker()) {
            String id = submit(owner, Map.of("prompt", "a red fox", "steps", 4, "width", 64, "height", 64))
                    .then().statusCode(202).extract().path("id");
            String url = await(owner, id, r -> "SUCCEEDED".equals(r.path("state"))).path("outputs[0].url");
            as(owner).get(url).then().statusCode(200).contentType("image/png");
            as(other).get(url).then().statusCode(404).contentType("application/problem+json");
            byte[] png = as(operatorKey()).get(url).then().statusCode(200).contentType("image/png").extract()
                    .asByteArray();
            assertArrayEquals(as(owner).get(url).asByteArray(), png);
            as(operatorKey()).get("/v1/images/models/tiny.safetensors").then().statusCode(404);
            as(operatorKey()).queryParam("limit", 200).get("/v1/dashboard/gallery").then().statusCode(200)
                    .body("find { it.job_id == '" + id + "' }.url", equalTo(url))
                    .body("find { it.job_id == '" + id + "' }.tenant", equalTo("dash-img-owner"));
        }
    }
}
