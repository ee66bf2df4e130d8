package dev.sdfarm.gateway.metrics;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Readiness: the Kafka cluster answers a describe-cluster within a short timeout. The answer is cached for a
 * few seconds, so frequent probes from several sources cost the broker one request per period.
 */
@Readiness
@ApplicationScoped
public class KafkaReadiness implements HealthCheck {
    @Inject
    KafkaAdmin admin;
    @ConfigProperty(name = "sdfarm.health.kafka-timeout", defaultValue = "2s")
    Duration timeout;
    @ConfigProperty(name = "sdfarm.health.kafka-cache", defaultValue = "5s")
    Duration cacheFor;

    private HealthCheckResponse cached;
    private long cachedAt;

    @Override
    public synchronized HealthCheckResponse call() {
        long now = System.nanoTime();
        if (cached == null || now - cachedAt > cacheFor.toNanos()) {
            cached = check();
            cachedAt = System.nanoTime();
        }
        return cached;
    }

    private HealthCheckResponse check() {
        var r = HealthCheckResponse.named("Kafka cluster");
        try {
            DescribeClusterResult d = admin.get().describeCluster(new DescribeClusterOptions()
                    .timeoutMs((int) timeout.toMillis()));
            int nodes = d.nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
            String cluster = d.clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return r.up().withData("brokers", nodes).withData("cluster_id", cluster).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return r.down().withData("error", "interrupted").build();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return r.down().withData("error", c.getClass().getSimpleName()
                    + (c.getMessage() == null ? "" : ": " + c.getMessage())).build();
        }
    }
}
