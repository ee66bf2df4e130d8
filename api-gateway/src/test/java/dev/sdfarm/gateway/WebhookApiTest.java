package dev.sdfarm.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sdfarm.core.message.JobEvent;
import dev.sdfarm.core.message.OutputImage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.sdfarm.gateway.TestFarm.admin;
import static dev.sdfarm.gateway.TestFarm.as;
import static dev.sdfarm.gateway.TestFarm.model;
import static dev.sdfarm.gateway.TestFarm.submit;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class WebhookApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SIGNATURE = Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})");
    private static WebhookReceiver receiver;

    @BeforeAll
    static void startReceiver() throws Exception {
        receiver = new WebhookReceiver();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    /** A new tenant with a submitter key; returns {key, webhook secret as shown at creation}. */
    private static String[] tenant(String id) {
        String secret = admin().contentType(ContentType.JSON).body(Map.of("id", id)).post("/v1/tenants")
                .then().statusCode(201).body("webhook_secret", startsWith("whsec_")).extract().path("webhook_secret");
        String key = admin().contentType(ContentType.JSON).body(Map.of("role", "SUBMITTER"))
                .post("/v1/tenants/" + id + "/keys").then().statusCode(201).extract().path("key");
        return new String[] {key, secret};
    }

    private static Map<String, Object> job(String webhookUrl) {
        Map<String, Object> m = new HashMap<>(Map.of("prompt", "a red fox", "steps", 4, "width", 64, "height", 64,
                "seed", 42));
        m.put("webhook_url", webhookUrl);
        return m;
    }

    /** Checks the call's signature as a receiver would, with nothing but the secret. */
    private static void assertSigned(WebhookReceiver.Call call, String secret) throws Exception {
        Matcher m = SIGNATURE.matcher(call.header("Sdfarm-Signature"));
        assertTrue(m.matches(), "signature header: " + call.header("Sdfarm-Signature"));
        long t = Long.parseLong(m.group(1));
        assertTrue(Math.abs(Instant.now().getEpochSecond() - t) < 60, "timestamp is now");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal((t + "." + call.body())
                .getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, m.group(2), "HMAC-SHA256 of <t>.<body> with the tenant's secret");
    }

    private static Response awaitDeliveries(String key, String jobId, int delivered) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Response r = as(key).get("/v1/jobs/" + jobId + "/webhooks");
            r.then().statusCode(200);
            List<String> states = r.path("state");
            if (states.stream().filter("DELIVERED"::equals).count() == delivered) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("deliveries never got there: " + r.asString());
            }
            Thread.sleep(50);
        }
    }

    @Test
    void runningAndTheEndArePostedInOrderSignedWithTheTenantsSecret() throws Exception {
        model();
        String[] t = tenant("hooked");
        String id = submit(t[0], job(receiver.url("/hooked"))).then().statusCode(202).extract().path("id");
        UUID job = UUID.fromString(id);
        Instant now = Instant.now();
        TestFarm.emit(JobEvent.started(job, "w1", 4, now), JobEvent.progress(job, "w1", 1, 4, now),
                JobEvent.progress(job, "w1", 2, 4, now), JobEvent.progress(job, "w1", 3, 4, now));
        OutputImage out = new OutputImage(0, "outputs/hooked/" + id + "/0.png", 42, "a red fox", 64, 64, 10,
                "ab".repeat(32));
        TestFarm.emit(JobEvent.succeeded(job, "w1", 4, List.of(out), now));

        List<WebhookReceiver.Call> calls = receiver.take("/hooked", 2);
        JsonNode running = JSON.readTree(calls.get(0).body());
        JsonNode done = JSON.readTree(calls.get(1).body());
        assertEquals("RUNNING", running.path("state").asText());
        assertEquals("SUCCEEDED", done.path("state").asText());
        assertEquals("/v1/images/outputs/hooked/" + id + "/0.png", done.path("outputs").path(0).path("url").asText());
        for (WebhookReceiver.Call c : calls) {
            assertSigned(c, t[1]);
            assertEquals(id, c.header("Sdfarm-Job-Id"));
            assertEquals(id, JSON.readTree(c.body()).path("id").asText());
            assertTrue(c.header("Content-Type").startsWith("application/json"));
        }
        assertEquals("RUNNING", calls.get(0).header("Sdfarm-Event"));
        assertNotEquals(calls.get(0).header("Sdfarm-Event-Id"), calls.get(1).header("Sdfarm-Event-Id"));
        // The body is the job's view as GET shows it (the final one is the same).
        assertEquals(JSON.readTree(as(t[0]).get("/v1/jobs/" + id).asString()), done);

        Response deliveries = awaitDeliveries(t[0], id, 2);
        deliveries.then().body("event", equalTo(List.of("RUNNING", "SUCCEEDED")))
                .body("event_id", equalTo(List.of(calls.get(0).header("Sdfarm-Event-Id"),
                        calls.get(1).header("Sdfarm-Event-Id"))))
                .body("attempts", equalTo(List.of(1, 1))).body("last_status", equalTo(List.of(200, 200)));
        // Progress steps are not told.
        Thread.sleep(300);
        assertEquals(List.of(), receiver.pending("/hooked"));
        // Another tenant does not see them, exactly as if the job did not exist.
        as(TestFarm.key("globex")).get("/v1/jobs/" + id + "/webhooks").then().statusCode(404);
        as(t[0]).get("/v1/jobs/" + UUID.randomUUID() + "/webhooks").then().statusCode(404);
    }

    @Test
    void aFailingReceiverGetsTheSameEventAgainWithBackoffSignedWithTheRotatedSecret() throws Exception {
        model();
        String[] t = tenant("flaky");
        String rotated = admin().post("/v1/tenants/flaky/webhook-secret").then().statusCode(200)
                .body("tenant_id", equalTo("flaky")).extract().path("webhook_secret");
        assertNotEquals(t[1], rotated);
        as(t[0]).post("/v1/tenants/flaky/webhook-secret").then().statusCode(403);
        admin().post("/v1/tenants/nobody/webhook-secret").then().statusCode(404);

        receiver.failFirst("/flaky", 2);
        String id = submit(t[0], job(receiver.url("/flaky"))).then().statusCode(202).extract().path("id");
        // Cancelled while queued: the gateway ends it at once, and that is told too.
        as(t[0]).delete("/v1/jobs/" + id).then().statusCode(202);

        List<WebhookReceiver.Call> calls = receiver.take("/flaky", 3);
        assertEquals(List.of(503, 503, 200), calls.stream().map(WebhookReceiver.Call::status).toList());
        String eventId = calls.getFirst().header("Sdfarm-Event-Id");
        for (WebhookReceiver.Call c : calls) {
            assertEquals(eventId, c.header("Sdfarm-Event-Id"), "one event, retried");
            assertEquals("CANCELLED", JSON.readTree(c.body()).path("state").asText());
            assertSigned(c, rotated);
        }
        awaitDeliveries(t[0], id, 1).then().body("$", hasSize(1)).body("[0].state", equalTo("DELIVERED"))
                .body("[0].attempts", equalTo(3)).body("[0].last_status", equalTo(200))
                .body("[0].event_id", equalTo(eventId));
    }

    @Test
    void jobsWithoutAWebhookHaveNoDeliveries() throws Exception {
        model();
        String key = TestFarm.key("acme");
        String id = submit(key, Map.of("prompt", "x", "steps", 4, "width", 64, "height", 64)).then()
                .statusCode(202).extract().path("id");
        as(key).delete("/v1/jobs/" + id).then().statusCode(202);
        as(key).get("/v1/jobs/" + id + "/webhooks").then().statusCode(200).body("$", hasSize(0));
    }
}
