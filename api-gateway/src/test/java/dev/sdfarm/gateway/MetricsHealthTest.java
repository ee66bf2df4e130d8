package dev.sdfarm.gateway;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.sdfarm.gateway.TestFarm.key;
import static dev.sdfarm.gateway.TestFarm.model;
import static dev.sdfarm.gateway.TestFarm.submit;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = FarmTestResource.class, restrictToAnnotatedClass = false)
class MetricsHealthTest {
    @Test
    void prometheusEndpointHasTheFarmsMetrics() throws Exception {
        model();
        submit(key("metered"), Map.of("prompt", "x", "steps", 4, "width", 64, "height", 64)).then().statusCode(202);
        String text = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        for (String name : new String[] {"sdfarm_jobs{", "sdfarm_outbox_backlog", "sdfarm_webhooks_pending",
                "sdfarm_queue_lag{", "sdfarm_job_events_applied_total{", "sdfarm_job_events_ignored_total",
                "sdfarm_jobs_submitted_total", "sdfarm_jobs_submit_seconds_count", "sdfarm_webhooks_attempt_seconds"}) {
            assertTrue(text.contains(name), name + " in /q/metrics:\n" + text);
        }
        assertTrue(text.contains("state=\"queued\"") && text.contains("state=\"running\""));
        // The periodic refresh reads the queue's lag from Kafka (the test farm has no workers: all is lag).
        Pattern lag = Pattern.compile("sdfarm_queue_lag\\{[^}]*topic=\"sdfarm.generation.requests.interactive\"[^}]*} "
                + "([0-9.eE+NaN-]+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        double value = Double.NaN;
        while (System.nanoTime() < deadline) {
            Matcher m = lag.matcher(RestAssured.get("/q/metrics").asString());
            if (m.find() && (value = Double.parseDouble(m.group(1))) >= 1) {
                break;
            }
            Thread.sleep(500);
        }
        assertTrue(value >= 1, "interactive queue lag read from Kafka: " + value);
    }

    @Test
    void readyWithDatabaseAndKafka() {
        RestAssured.get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("Kafka cluster", "Database connections health check"))
                .body("checks.find { it.name == 'Kafka cluster' }.status", equalTo("UP"));
        RestAssured.get("/q/health/live").then().statusCode(200);
    }
}
