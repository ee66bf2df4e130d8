package dev.sdfarm.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.OutputImage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.sdfarm.gateway.TestFarm.key;
import static dev.sdfarm.gateway.TestFarm.model;
import static dev.sdfarm.gateway.TestFarm.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /v1/jobs/{id}/events} followed by a plain HTTP client, as a browser's EventSource would. */
@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class JobEventsStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Put on the queue when the stream ends. */
    private static final JsonNode END = JSON.createObjectNode().put("end", true);

    /** Held for the test's duration: a client that becomes unreachable closes its connections. */
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TestHTTPResource("/")
    URL base;

    private HttpResponse<InputStream> open(String key, String jobId) throws Exception {
        HttpClient client = CLIENT;
        return client.send(HttpRequest.newBuilder(URI.create(base + "v1/jobs/" + jobId + "/events"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + key).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Reads the stream's {@code data:} lines as JSON onto a queue, then {@link #END}. */
    private static LinkedBlockingQueue<JsonNode> read(InputStream in) {
        LinkedBlockingQueue<JsonNode> q = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("data:")) {
                        q.add(JSON.readTree(line.substring(5).strip()));
                    }
                }
            } catch (Exception e) {
                q.add(JSON.createObjectNode().put("error", e.toString()));
            }
            q.add(END);
        });
        return q;
    }

    private static JsonNode next(LinkedBlockingQueue<JsonNode> q) throws InterruptedException {
        JsonNode n = q.poll(30, TimeUnit.SECONDS);
        if (n == null) {
            throw new AssertionError("no event within 30 s");
        }
        return n;
    }

    @Test
    void streamsTheJobFromQueuedThroughProgressToItsEndAndCloses() throws Exception {
        model();
        String key = key("streamer");
        String id = submit(key, Map.of("prompt", "a red fox", "steps", 4, "width", 64, "height", 64)).then()
                .statusCode(202).extract().path("id");
        UUID job = UUID.fromString(id);
        HttpResponse<InputStream> response = open(key, id);
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        LinkedBlockingQueue<JsonNode> events = read(response.body());

        JsonNode first = next(events);
        assertEquals("QUEUED", first.path("state").asText(), first.toString());
        assertEquals(id, first.path("id").asText());

        Instant now = Instant.now();
        TestFarm.emit(JobEvent.started(job, "w1", 4, now));
        JsonNode running = next(events);
        assertEquals("RUNNING", running.path("state").asText(), running.toString());
        assertEquals(0, running.path("progress").path("step").asInt());

        TestFarm.emit(JobEvent.progress(job, "w1", 2, 4, now));
        JsonNode progress = next(events);
        assertEquals("RUNNING", progress.path("state").asText());
        assertEquals(2, progress.path("progress").path("step").asInt());
        assertEquals(0.5, progress.path("progress").path("fraction").asDouble(), 1e-9);

        OutputImage out = new OutputImage(0, "outputs/streamer/" + id + "/0.png", 42, "a red fox", 64, 64, 10,
                "ab".repeat(32));
        TestFarm.emit(JobEvent.progress(job, "w1", 4, 4, now), JobEvent.succeeded(job, "w1", 4, List.of(out), now));
        List<JsonNode> rest = new ArrayList<>();
        for (JsonNode n = next(events); n != END; n = next(events)) {
            rest.add(n);
        }
        assertTrue(!rest.isEmpty(), "the end is streamed");
        JsonNode last = rest.getLast();
        assertEquals("SUCCEEDED", last.path("state").asText(), rest.toString());
        assertEquals("/v1/images/outputs/streamer/" + id + "/0.png", last.path("outputs").path(0).path("url").asText());
        for (JsonNode n : rest.subList(0, rest.size() - 1)) {
            assertEquals("RUNNING", n.path("state").asText(), "only progress before the end: " + rest);
        }
        // The stream closed itself after the end (END came from the reader seeing end of stream).
    }

    @Test
    void anEndedJobStreamsOnceAndAnotherTenantGets404() throws Exception {
        model();
        String key = key("streamer");
        String id = submit(key, Map.of("prompt", "x", "steps", 4, "width", 64, "height", 64)).then()
                .statusCode(202).extract().path("id");
        TestFarm.as(key).delete("/v1/jobs/" + id).then().statusCode(202);
        LinkedBlockingQueue<JsonNode> events = read(open(key, id).body());
        assertEquals("CANCELLED", next(events).path("state").asText());
        assertEquals(END, next(events));

        HttpResponse<InputStream> other = open(key("globex"), id);
        assertEquals(404, other.statusCode());
        other.body().close();
    }
}
