package dev.sdfarm.gateway.metrics;

import dev.sdfarm.core.Topics;
import dev.sdfarm.core.message.JobEventType;
import dev.sdfarm.gateway.worker.WorkerDirectory;
import dev.sdfarm.gateway.worker.WorkerState;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Gauges that need a query: active jobs by state, outbox and webhook backlogs (Postgres), the lag of the
 * workers' consumer group on each request topic (Kafka), and the workers by state (heartbeats, and pods on
 * Kubernetes). They are refreshed by one thread every {@code sdfarm.metrics.refresh} and read from memory, so
 * scrapes (however many) cost no queries. A value that could not be read is NaN until the next refresh
 * succeeds.
 */
@ApplicationScoped
public class FarmGauges {
    /** The workers' consumer group on the request topics. */
    public static final String WORKER_GROUP = "sdfarm-workers";
    private static final Logger LOG = Logger.getLogger(FarmGauges.class);
    private static final List<String> ACTIVE = List.of("QUEUED", "RUNNING");
    private static final List<String> REQUEST_TOPICS = List.of(Topics.GENERATION_INTERACTIVE, Topics.GENERATION_BATCH);

    /** A gauge's latest value. */
    static final class Value {
        volatile double v = Double.NaN;
    }

    @Inject
    AgroalDataSource dataSource;
    @Inject
    KafkaAdmin kafka;
    @Inject
    MeterRegistry metrics;
    @Inject
    WorkerDirectory workerDirectory;
    @ConfigProperty(name = "sdfarm.metrics.refresh", defaultValue = "5s")
    Duration refresh;

    private final Map<String, Value> jobs = new HashMap<>();
    private final Map<String, Value> lag = new HashMap<>();
    private final Map<WorkerState, Value> workers = new EnumMap<>(WorkerState.class);
    private final Value outbox = new Value();
    private final Value webhooks = new Value();
    private ScheduledExecutorService timer;

    /**
     * The gauges' latest values, as read by the last refresh; a value that could not be read is null.
     *
     * @param jobs     active jobs by state (QUEUED, RUNNING), all tenants
     * @param lag      the workers' group lag by request topic
     * @param outbox   outbox rows not yet published
     * @param webhooks webhook deliveries pending
     */
    public record Snapshot(Map<String, Long> jobs, Map<String, Long> lag, Long outbox, Long webhooks) {
    }

    /** The latest values, from memory: reading them costs no query. */
    public Snapshot snapshot() {
        Map<String, Long> j = new TreeMap<>();
        jobs.forEach((k, v) -> j.put(k, read(v)));
        Map<String, Long> l = new TreeMap<>();
        lag.forEach((k, v) -> l.put(k, read(v)));
        return new Snapshot(Collections.unmodifiableMap(j), Collections.unmodifiableMap(l), read(outbox),
                read(webhooks));
    }

    private static Long read(Value v) {
        double d = v.v;
        return Double.isNaN(d) ? null : (long) d;
    }

    void start(@Observes StartupEvent e) {
        for (String s : ACTIVE) {
            Value v = new Value();
            jobs.put(s, v);
            Gauge.builder("sdfarm.jobs", v, x -> x.v).tag("state", s.toLowerCase(Locale.ROOT))
                    .description("Jobs in this state (all tenants)").register(metrics);
        }
        for (String t : REQUEST_TOPICS) {
            Value v = new Value();
            lag.put(t, v);
            Gauge.builder("sdfarm.queue.lag", v, x -> x.v).tag("topic", t).tag("group", WORKER_GROUP)
                    .description("Requests on the topic not yet committed by the workers' group").register(metrics);
        }
        for (WorkerState s : WorkerState.values()) {
            Value v = new Value();
            workers.put(s, v);
            Gauge.builder("sdfarm.workers", v, x -> x.v).tag("state", s.name().toLowerCase(Locale.ROOT))
                    .description("Workers in this state, as GET /v1/workers shows them").register(metrics);
        }
        // Counted elsewhere; made here so that they are scraped (as 0) before the first event.
        for (JobEventType t : JobEventType.values()) {
            metrics.counter("sdfarm.job.events.applied", "type", t.name());
        }
        metrics.counter("sdfarm.job.events.ignored");
        Gauge.builder("sdfarm.outbox.backlog", outbox, x -> x.v)
                .description("Outbox rows not yet published to Kafka").register(metrics);
        Gauge.builder("sdfarm.webhooks.pending", webhooks, x -> x.v)
                .description("Webhook deliveries not yet delivered nor given up").register(metrics);
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("farm-gauges").daemon()
                .factory());
        timer.scheduleWithFixedDelay(this::refresh, 0, refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent e) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    void refresh() {
        try {
            refreshDatabase();
        } catch (Exception e) {
            jobs.values().forEach(v -> v.v = Double.NaN);
            outbox.v = Double.NaN;
            webhooks.v = Double.NaN;
            LOG.debugf("job gauges not refreshed: %s", e.getMessage());
        }
        try {
            refreshLag(kafka.get());
        } catch (Exception e) {
            lag.values().forEach(v -> v.v = Double.NaN);
            LOG.debugf("queue lag not refreshed: %s", e.getMessage());
        }
        try {
            Map<WorkerState, Long> counts = new EnumMap<>(WorkerState.class);
            workerDirectory.now().workers().forEach(w -> counts.merge(w.state(), 1L, Long::sum));
            workers.forEach((state, v) -> v.v = counts.getOrDefault(state, 0L));
        } catch (Exception e) {
            workers.values().forEach(v -> v.v = Double.NaN);
            LOG.debugf("worker gauges not refreshed: %s", e.getMessage());
        }
    }

    private void refreshDatabase() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            Map<String, Long> counts = new HashMap<>();
            try (ResultSet rs = s.executeQuery(
                    "select state, count(*) from jobs where state in ('QUEUED', 'RUNNING') group by state")) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getLong(2));
                }
            }
            jobs.forEach((state, v) -> v.v = counts.getOrDefault(state, 0L));
            outbox.v = single(s, "select count(*) from outbox");
            webhooks.v = single(s, "select count(*) from webhook_deliveries where state = 'PENDING'");
        }
    }

    private static long single(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void refreshLag(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(WORKER_GROUP)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<String, List<TopicPartition>> partitions = new HashMap<>();
        var described = admin.describeTopics(REQUEST_TOPICS).topicNameValues();
        for (String t : REQUEST_TOPICS) {
            try {
                TopicDescription d = described.get(t).get(10, TimeUnit.SECONDS);
                partitions.put(t, d.partitions().stream().map(p -> new TopicPartition(t, p.partition())).toList());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                partitions.put(t, List.of()); // not created yet: nothing waits on it
            }
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        partitions.values().forEach(ps -> ps.forEach(tp -> {
            latest.put(tp, OffsetSpec.latest());
            if (committed.get(tp) == null) {
                earliest.put(tp, OffsetSpec.earliest());
            }
        }));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
                : admin.listOffsets(earliest).all().get(10, TimeUnit.SECONDS);
        for (String t : REQUEST_TOPICS) {
            long sum = 0;
            for (TopicPartition tp : partitions.get(t)) {
                long end = ends.get(tp).offset();
                OffsetAndMetadata c = committed.get(tp);
                long from = c != null ? c.offset() : starts.get(tp).offset();
                sum += Math.max(0, end - from);
            }
            lag.get(t).v = sum;
        }
    }
}
