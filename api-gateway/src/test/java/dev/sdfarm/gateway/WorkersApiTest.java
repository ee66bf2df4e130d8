package dev.sdfarm.gateway;

import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.Messages;
import dev.sdfarm.core.message.WorkerHeartbeat;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static dev.sdfarm.gateway.TestFarm.as;
import static dev.sdfarm.gateway.TestFarm.key;
import static dev.sdfarm.gateway.TestFarm.model;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /v1/workers} from real heartbeats on the broker (no Kubernetes here). */
@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class WorkersApiTest {
    static WorkerHeartbeat heartbeat(String id, String host, Instant at, List<String> models, List<UUID> jobs) {
        return new WorkerHeartbeat(WorkerHeartbeat.VERSION, id, host, "cpu", at, 300L << 20, 3L << 30, 2L << 30,
                models, jobs);
    }

    static void publish(WorkerHeartbeat hb) throws Exception {
        TestFarm.publish(Topics.WORKER_HEARTBEATS, hb.workerId(), Messages.toJson(hb));
    }

    /** Waits until the workers' list, as {@code key} sees it, satisfies {@code done}. */
    static Response awaitWorkers(String key, Predicate<Response> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Response r = as(key).get("/v1/workers");
            if (r.statusCode() == 200 && done.test(r)) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("workers never got there; last answer: " + r.asString());
            }
            Thread.sleep(100);
        }
    }

    static Predicate<Response> lists(String... ids) {
        return r -> r.jsonPath().<String>getList("workers.id").containsAll(List.of(ids));
    }

    @Test
    void listsWorkersFromTheirHeartbeatsWithRegisteredModelNames() throws Exception {
        String sha = model();
        String unknownSha = "ab".repeat(32);
        UUID job = UUID.randomUUID();
        Instant now = Instant.now();
        Instant old = now.minus(Duration.ofMinutes(2));
        publish(heartbeat("api-w2", "host-2", old, List.of(), List.of()));
        publish(heartbeat("api-w1", "host-1", now, List.of(sha, unknownSha), List.of(job)));
        String operator = key("workers-ops", "OPERATOR");

        Response r = awaitWorkers(operator, lists("api-w1", "api-w2"));

        List<String> ids = r.jsonPath().getList("workers.id");
        assertEquals(ids.stream().sorted().toList(), ids, "sorted by id");
        String w1 = "workers.find { it.id == 'api-w1' }";
        r.then().body("warnings", empty())
                .body(w1 + ".host", equalTo("host-1"))
                .body(w1 + ".backend", equalTo("cpu"))
                .body(w1 + ".state", equalTo("ALIVE"))
                .body(w1 + ".memory.heap_used_bytes", equalTo(300 << 20))
                .body(w1 + ".memory.heap_max_bytes", equalTo(3L << 30))
                .body(w1 + ".resident_bytes", equalTo(2L << 30))
                .body(w1 + ".resident_models.sha256", contains(sha, unknownSha))
                .body(w1 + ".resident_models.name", contains("tiny", null))
                .body(w1 + ".current_jobs", contains(job.toString()))
                .body(w1 + ".pod", nullValue())
                .body("workers.find { it.id == 'api-w2' }.state", equalTo("STALE"));
        assertEquals(now, Instant.parse(r.path(w1 + ".last_seen")));
        assertEquals(old, Instant.parse(r.path("workers.find { it.id == 'api-w2' }.last_seen")));

        as(operator).get("/v1/workers?state=stale").then().statusCode(200)
                .body("workers.id", hasItem("api-w2")).body("workers.id", not(hasItem("api-w1")))
                .body("workers.state", not(hasItem("ALIVE")));
        TestFarm.admin().get("/v1/workers?state=ALIVE").then().statusCode(200)
                .body("workers.id", hasItem("api-w1")).body("workers.id", not(hasItem("api-w2")));
    }

    @Test
    void unreadableHeartbeatsAreSkippedAndTheNextOnesStillRead() throws Exception {
        // Same key, so the same partition: the good heartbeat comes after the garbage.
        TestFarm.publish(Topics.WORKER_HEARTBEATS, "api-w3", "\u0000not json{".getBytes(StandardCharsets.UTF_8),
                "{\"v\":1,\"host\":\"no id\"}".getBytes(StandardCharsets.UTF_8),
                "{\"v\":99,\"worker_id\":\"api-w3\"}".getBytes(StandardCharsets.UTF_8));
        publish(heartbeat("api-w3", "host-3", Instant.now(), List.of(), List.of()));

        awaitWorkers(FarmTestResource.ADMIN_KEY, lists("api-w3"))
                .then().body("workers.find { it.id == 'api-w3' }.host", equalTo("host-3"));
    }

    @Test
    void submittersMayNotSeeWorkersAndBadStatesAreRefused() {
        as(key("workers-submitter")).get("/v1/workers").then().statusCode(403)
                .contentType("application/problem+json").body("detail", equalTo(
                        "this needs the operator role; the key has submitter"));
        RestAssured.get("/v1/workers").then().statusCode(401);
        TestFarm.admin().get("/v1/workers?state=dead").then().statusCode(400)
                .contentType("application/problem+json")
                .body("detail", equalTo("state must be one of alive, stale, starting, stopped; it is 'dead'"));
    }

    @Test
    void theWorkersGaugeCountsThemByState() throws Exception {
        publish(heartbeat("api-w4", "host-4", Instant.now(), List.of(), List.of()));
        awaitWorkers(FarmTestResource.ADMIN_KEY, lists("api-w4"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String text = "";
        while (System.nanoTime() < deadline) {
            text = RestAssured.get("/q/metrics").asString();
            if (text.lines().anyMatch(l -> l.startsWith("sdfarm_workers{state=\"alive\"}") && !l.endsWith(" 0.0")
                    && !l.endsWith(" NaN"))) {
                break;
            }
            Thread.sleep(250);
        }
        String metrics = text;
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("sdfarm_workers{state=\"alive\"}")
                && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) >= 1), metrics);
        for (String s : new String[] {"stale", "starting", "stopped"}) {
            assertTrue(metrics.contains("sdfarm_workers{state=\"" + s + "\"}"), s + " in /q/metrics");
        }
    }
}
