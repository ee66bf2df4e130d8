import dev.sdfarm.local.LocalKafka;
import dev.sdfarm.local.LocalPostgres;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load generator behind {@code bench/gateway}: submission throughput and latency of {@code POST /v1/jobs} on the
 * full path (packaged gateway, PostgreSQL with synchronous commit, outbox relay, child-process Kafka broker),
 * against two floors measured in the same run with the same client threads: an HTTP no-op
 * ({@code GET /q/health/live}) and the bare database work (one JDBC transaction inserting a job row and its
 * outbox row). Then time-to-first-step: with one worker running and its model resident, submit → first step
 * applied. Run with farm-local's runtime classpath; see {@code bench/gateway}.
 */
public final class GatewayBench {
    static final String TENANT = "bench";
    static final String ADMIN_KEY = "sdf_BenchAdmin000000_abcdefghijklmnopqrstuvwxyz012345";
    static final String[] REQUEST_TOPICS = {"sdfarm.generation.requests.interactive",
            "sdfarm.generation.requests.batch"};
    static final Pattern JOB_ID = Pattern.compile("\"job_id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    static final String JOB_BODY = "{\"prompt\":\"a lighthouse on a cliff at dusk, (oil painting:1.2), dramatic sky\","
            + "\"negative_prompt\":\"blurry, lowres\",\"steps\":4,\"width\":64,\"height\":64,\"cfg_scale\":7}";

    // options
    static int jobs = 10_000, concurrency = 32, runs = 3, warmup = 3_000, ttfsSamples = 7;
    static Path dir, root, model;
    static String javaBin;

    static int port;
    static String bearer;
    static final List<Process> children = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--jobs" -> jobs = Integer.parseInt(v);
                case "--concurrency" -> concurrency = Integer.parseInt(v);
                case "--runs" -> runs = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--ttfs" -> ttfsSamples = Integer.parseInt(v);
                case "--dir" -> dir = Path.of(v).toAbsolutePath();
                case "--root" -> root = Path.of(v).toAbsolutePath();
                case "--model" -> model = Path.of(v).toAbsolutePath();
                case "--java" -> javaBin = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> children.forEach(GatewayBench::stop)));
        try {
            run();
        } finally {
            children.forEach(GatewayBench::stop);
        }
        System.exit(0);
    }

    static void run() throws Exception {
        Files.createDirectories(dir);
        log("starting PostgreSQL and Kafka under " + dir);
        try (LocalPostgres pg = LocalPostgres.startPersistent(dir.resolve("postgres"), 0);
             LocalKafka kafka = LocalKafka.start(LocalKafka.Config.of(dir.resolve("kafka")))) {
            // zonky's embedded server defaults to synchronous_commit=off; the benchmark measures durable commits.
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("alter database " + LocalPostgres.DATABASE + " set synchronous_commit = on");
            }
            Path store = dir.resolve("store");
            Files.createDirectories(store.resolve("models"));
            Files.copy(model, store.resolve("models/tiny.safetensors"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);

            port = freePort();
            Map<String, String> env = new HashMap<>();
            env.put("SDFARM_DB_URL", pg.jdbcUrl());
            env.put("SDFARM_DB_USER", pg.user());
            env.put("SDFARM_DB_PASSWORD", pg.password());
            env.put("SDFARM_KAFKA", kafka.bootstrapServers());
            env.put("SDFARM_GATEWAY_PORT", Integer.toString(port));
            List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
            String extra = System.getenv("SDFARM_BENCH_GATEWAY_OPTS"); // e.g. a profiler: -XX:StartFlightRecording=...
            if (extra != null && !extra.isBlank()) {
                jvm.addAll(Arrays.asList(extra.trim().split("\\s+")));
            }
            jvm.addAll(List.of("-Dsdfarm.store.location=" + store, "-Dsdfarm.auth.bootstrap-admin-key=" + ADMIN_KEY,
                    "-jar", root.resolve("api-gateway/target/quarkus-app/quarkus-run.jar").toString()));
            Process gateway = spawn("gateway", env, jvm);
            awaitReady(gateway, "/q/health/ready", Duration.ofSeconds(180));
            log("gateway ready on port " + port + " (log: " + dir.resolve("gateway.log") + ")");

            setUp();
            String commit;
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
                 Statement s = c.createStatement(); ResultSet rs = s.executeQuery("show synchronous_commit")) {
                rs.next();
                commit = rs.getString(1);
            }

            List<Double> ttfsStart = new ArrayList<>(), ttfsStep = new ArrayList<>();
            if (ttfsSamples > 0) {
                timeToFirstStep(kafka.bootstrapServers(), store, ttfsStart, ttfsStep);
            }

            try (Connection db = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
                 RequestTopics topics = new RequestTopics(kafka.bootstrapServers())) {
                db.setAutoCommit(true);
                try (Statement s = db.createStatement()) {
                    s.execute("create table if not exists floor_jobs (like jobs including all)");
                    s.execute("create table if not exists floor_outbox (like outbox including all)");
                }
                Floor floor = new Floor(pg);
                log("warm-up: " + warmup + " of each");
                phase("warm-up health", warmup, i -> health());
                floor.run(warmup);
                submitPhase(db, topics, warmup, "warm-up");
                reset(db);

                List<Result> healthR = new ArrayList<>(), floorR = new ArrayList<>(), submitR = new ArrayList<>();
                List<Double> drains = new ArrayList<>(), outboxEmpty = new ArrayList<>();
                for (int r = 1; r <= runs; r++) {
                    Result h = phase("GET /q/health/live", jobs, i -> health());
                    healthR.add(h);
                    Result f = floor.run(jobs);
                    floorR.add(f);
                    SubmitResult s = submitPhase(db, topics, jobs, "run " + r);
                    submitR.add(s.result);
                    drains.add(s.kafkaDrainMs);
                    outboxEmpty.add(s.outboxDrainMs);
                    log(String.format(Locale.ROOT, "run %d: health %s | floor %s | submit %s | all %d on Kafka %.0f ms"
                            + " after the last 202 (outbox empty after %.0f ms)", r, h.brief(), f.brief(),
                            s.result.brief(), jobs, s.kafkaDrainMs, s.outboxDrainMs));
                    reset(db);
                }
                floor.close();

                System.out.println();
                System.out.printf(Locale.ROOT, "%d requests per run, %d concurrent keep-alive HTTP/1.1 clients, "
                        + "medians of %d runs; PostgreSQL synchronous_commit=%s; Kafka: child-process broker%n",
                        jobs, concurrency, runs, commit);
                System.out.println();
                System.out.println("| path | per s | p50 ms | p90 ms | p99 ms | max ms |");
                System.out.println("|---|---:|---:|---:|---:|---:|");
                row("HTTP floor: GET /q/health/live", healthR);
                row("DB floor: JDBC insert job + outbox row, one commit", floorR);
                row("POST /v1/jobs, full outbox path", submitR);
                System.out.println();
                System.out.printf(Locale.ROOT, "accepted/s per run: %s; p99 ms per run: %s%n",
                        join(submitR.stream().map(x -> x.perSecond).toList(), "%.0f"),
                        join(submitR.stream().map(x -> x.p99).toList(), "%.1f"));
                System.out.printf(Locale.ROOT, "full path / HTTP floor throughput: %.2f; full path / DB floor: %.2f%n",
                        median(submitR.stream().map(x -> x.perSecond).toList())
                                / median(healthR.stream().map(x -> x.perSecond).toList()),
                        median(submitR.stream().map(x -> x.perSecond).toList())
                                / median(floorR.stream().map(x -> x.perSecond).toList()));
                System.out.printf(Locale.ROOT, "outbox: all %d jobs of every run arrived on the request topic "
                        + "(distinct job ids, checked against the 202s); last one %.0f ms after the last 202 "
                        + "(median; runs: %s), outbox table empty after %.0f ms%n", jobs, median(drains),
                        join(drains, "%.0f"), median(outboxEmpty));
                if (!ttfsStep.isEmpty()) {
                    System.out.printf(Locale.ROOT, "time to first step (one worker, model resident, %d jobs): "
                                    + "submit → RUNNING seen %.0f ms, submit → step 1 applied %.0f ms (median; "
                                    + "runs: %s)%n", ttfsStep.size(), median(ttfsStart), median(ttfsStep),
                            join(ttfsStep, "%.0f"));
                }
                System.out.printf(Locale.ROOT, "acceptance: >= 1000 accepted/s and p99 < 100 ms: %s (goal 5000/s)%n",
                        median(submitR.stream().map(x -> x.perSecond).toList()) >= 1000
                                && median(submitR.stream().map(x -> x.p99).toList()) < 100 ? "met" : "NOT met");
            } finally {
                children.forEach(GatewayBench::stop);
            }
        }
    }

    // ---- set-up ----

    static void setUp() throws IOException {
        Http h = new Http();
        String auth = "Bearer " + ADMIN_KEY;
        Http.Resp m = h.call("POST", "/v1/models", auth, "{\"key\":\"models/tiny.safetensors\",\"name\":\"tiny\"}");
        check(m, 201, "register the model");
        Http.Resp t = h.call("POST", "/v1/tenants", auth, "{\"id\":\"" + TENANT
                + "\",\"rate_per_second\":1000000,\"max_active_jobs\":1000000}");
        check(t, 201, "create the tenant");
        Http.Resp k = h.call("POST", "/v1/tenants/" + TENANT + "/keys", auth, "{\"role\":\"SUBMITTER\"}");
        check(k, 201, "create a key");
        bearer = "Bearer " + field(k.body, "key");
        check(h.call("POST", "/v1/jobs", bearer, JOB_BODY), 202, "submit a first job"); // creates the topic
        h.close();
    }

    static void reset(Connection db) throws Exception {
        try (Statement s = db.createStatement()) {
            s.execute("delete from jobs where tenant_id = '" + TENANT + "'");
            s.execute("truncate floor_jobs, floor_outbox");
            s.execute("vacuum analyze jobs");
            s.execute("vacuum analyze outbox");
        }
    }

    // ---- the three paths ----

    interface Op {
        String call(int i) throws Exception;
    }

    static final ThreadLocal<Http> CLIENT = new ThreadLocal<>();

    static Http client() throws IOException {
        Http h = CLIENT.get();
        if (h == null) {
            h = new Http();
            CLIENT.set(h);
        }
        return h;
    }

    static String health() throws Exception {
        Http.Resp r = client().call("GET", "/q/health/live", null, null);
        check(r, 200, "health");
        return null;
    }

    static String submit() throws Exception {
        Http.Resp r = client().call("POST", "/v1/jobs", bearer, JOB_BODY);
        check(r, 202, "submit");
        String loc = r.headers.get("location");
        return loc.substring(loc.lastIndexOf('/') + 1);
    }

    record SubmitResult(Result result, double kafkaDrainMs, double outboxDrainMs) {
    }

    static SubmitResult submitPhase(Connection db, RequestTopics topics, int n, String name) throws Exception {
        topics.startCounting();
        Result r = phase("POST /v1/jobs " + name, n, i -> submit());
        long end = r.endNanos;
        double outboxMs = Double.NaN;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        try (PreparedStatement q = db.prepareStatement("select exists (select 1 from outbox)")) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        outboxMs = (System.nanoTime() - end) / 1e6;
                        break;
                    }
                }
                Thread.sleep(2);
            }
        }
        Set<String> accepted = Set.copyOf(Arrays.asList(r.ids));
        long last = topics.awaitAll(accepted, deadline);
        return new SubmitResult(r, (last - end) / 1e6, outboxMs);
    }

    /** The database floor: what the gateway's submission must at least do, done directly over JDBC. */
    static final class Floor implements AutoCloseable {
        final List<Connection> conns = new ArrayList<>();
        final String params;
        final byte[] payload;
        final String sha = "0".repeat(64);

        Floor(LocalPostgres pg) throws Exception {
            for (int i = 0; i < concurrency; i++) {
                Connection c = DriverManager.getConnection(pg.jdbcUrl(), pg.user(), pg.password());
                c.setAutoCommit(false);
                conns.add(c);
            }
            params = "{\"prompt\":\"a lighthouse on a cliff at dusk, (oil painting:1.2), dramatic sky\","
                    + "\"negative_prompt\":\"blurry, lowres\",\"seed\":123456789,\"sampler\":\"Euler\","
                    + "\"scheduler\":\"Automatic\",\"steps\":4,\"cfg_scale\":7.0,\"width\":64,\"height\":64,"
                    + "\"batch_size\":1,\"n_iter\":1,\"clip_skip\":1,\"eta\":0.0,\"rng\":\"gpu\"}";
            payload = ("{\"v\":1,\"job_id\":\"" + UUID.randomUUID() + "\",\"tenant_id\":\"bench\",\"model\":{"
                    + "\"sha256\":\"" + sha + "\",\"key\":\"models/tiny.safetensors\",\"name\":\"tiny\"},"
                    + "\"params\":" + params + ",\"output_prefix\":\"images/bench/x\",\"submitted_at\":\""
                    + Instant.now() + "\"}").getBytes(StandardCharsets.UTF_8);
        }

        Result run(int n) throws Exception {
            AtomicInteger slot = new AtomicInteger();
            ThreadLocal<Connection> mine = ThreadLocal.withInitial(() -> conns.get(slot.getAndIncrement()));
            return phase("JDBC job + outbox", n, i -> {
                Connection c = mine.get();
                Timestamp now = Timestamp.from(Instant.now());
                UUID id = UUID.randomUUID();
                try (PreparedStatement j = c.prepareStatement("insert into floor_jobs (id, tenant_id, state, priority,"
                        + " model_sha256, params, request_hash, total_steps, created_at) values (?, ?, 'QUEUED',"
                        + " 'INTERACTIVE', ?, ?, ?, 4, ?)");
                     PreparedStatement o = c.prepareStatement("insert into floor_outbox (topic, msg_key, payload,"
                             + " created_at) values (?, ?, ?, ?)")) {
                    j.setObject(1, id);
                    j.setString(2, TENANT);
                    j.setString(3, sha);
                    j.setString(4, params);
                    j.setString(5, sha);
                    j.setTimestamp(6, now);
                    j.executeUpdate();
                    o.setString(1, REQUEST_TOPICS[0]);
                    o.setString(2, sha);
                    o.setBytes(3, payload);
                    o.setTimestamp(4, now);
                    o.executeUpdate();
                    c.commit();
                }
                return null;
            });
        }

        @Override
        public void close() throws Exception {
            for (Connection c : conns) {
                c.close();
            }
        }
    }

    // ---- time to first step ----

    static void timeToFirstStep(String bootstrap, Path store, List<Double> started, List<Double> stepped)
            throws Exception {
        Path jar = root.resolve("worker/target/quarkus-app/quarkus-run.jar");
        Map<String, String> env = new HashMap<>();
        env.put("SDFARM_KAFKA", bootstrap);
        env.put("SDFARM_STORE", store.toString());
        int workerPort = freePort();
        env.put("SDFARM_WORKER_PORT", Integer.toString(workerPort));
        Process worker = spawn("worker", env, List.of("--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1536m",
                "-Dsdfarm.worker.cache-dir=" + dir.resolve("worker-cache"), "-jar", jar.toString()));
        awaitReadyOn(worker, workerPort, "/q/health/ready", Duration.ofSeconds(180));
        log("worker ready (log: " + dir.resolve("worker.log") + "); warm-up job (loads the model)");
        Http h = new Http();
        awaitDone(h, submitWith(h), Duration.ofSeconds(120));
        for (int i = 0; i < ttfsSamples; i++) {
            long t0 = System.nanoTime();
            String id = submitWith(h);
            double runningMs = Double.NaN;
            while (true) {
                Http.Resp r = h.call("GET", "/v1/jobs/" + id, bearer, null);
                check(r, 200, "poll");
                long now = System.nanoTime();
                String state = field(r.body, "state").toLowerCase(Locale.ROOT);
                if (Double.isNaN(runningMs) && !state.equals("queued")) {
                    runningMs = (now - t0) / 1e6;
                }
                Matcher step = Pattern.compile("\"step\"\\s*:\\s*(\\d+)").matcher(r.body);
                if (step.find() && Integer.parseInt(step.group(1)) >= 1) {
                    stepped.add((now - t0) / 1e6);
                    break;
                }
                if (state.equals("failed") || state.equals("cancelled")) {
                    throw new IllegalStateException("job " + id + " ended " + state + ": " + r.body);
                }
                if (now - t0 > Duration.ofSeconds(120).toNanos()) {
                    throw new IllegalStateException("job " + id + " made no step in 120 s");
                }
                Thread.sleep(2);
            }
            started.add(runningMs);
            log(String.format(Locale.ROOT, "time to first step %d: RUNNING seen after %.0f ms, step 1 after %.0f ms",
                    i + 1, runningMs, stepped.getLast()));
            awaitDone(h, id, Duration.ofSeconds(120));
        }
        h.close();
        stop(worker);
        children.remove(worker);
    }

    static String submitWith(Http h) throws IOException {
        Http.Resp r = h.call("POST", "/v1/jobs", bearer, JOB_BODY);
        check(r, 202, "submit");
        return field(r.body, "id");
    }

    static void awaitDone(Http h, String id, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Http.Resp r = h.call("GET", "/v1/jobs/" + id, bearer, null);
            String state = field(r.body, "state").toLowerCase(Locale.ROOT);
            if (state.equals("succeeded")) {
                return;
            }
            if (state.equals("failed") || state.equals("cancelled")) {
                throw new IllegalStateException("job " + id + " ended " + state + ": " + r.body);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("job " + id + " did not finish in " + timeout);
    }

    // ---- load phases ----

    static final class Result {
        String name;
        int n;
        double perSecond, p50, p90, p99, max;
        long endNanos;
        String[] ids;

        String brief() {
            return String.format(Locale.ROOT, "%.0f/s p50 %.1f p99 %.1f ms", perSecond, p50, p99);
        }
    }

    static Result phase(String name, int n, Op op) throws Exception {
        long[] lat = new long[n];
        String[] ids = new String[n];
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        AtomicLong end = new AtomicLong();
        for (int t = 0; t < concurrency; t++) {
            threads.add(Thread.ofPlatform().name("load-" + t).start(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n && failure.get() == null) {
                    long t0 = System.nanoTime();
                    try {
                        ids[i] = op.call(i);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        return;
                    }
                    long t1 = System.nanoTime();
                    lat[i] = t1 - t0;
                    end.accumulateAndGet(t1, Math::max);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(name + " failed: " + failure.get(), failure.get());
        }
        Arrays.sort(lat);
        Result r = new Result();
        r.name = name;
        r.n = n;
        r.endNanos = end.get();
        r.perSecond = n / ((end.get() - start) / 1e9);
        r.p50 = pct(lat, 0.50);
        r.p90 = pct(lat, 0.90);
        r.p99 = pct(lat, 0.99);
        r.max = lat[n - 1] / 1e6;
        r.ids = ids;
        return r;
    }

    static double pct(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    static void row(String name, List<Result> rs) {
        System.out.printf(Locale.ROOT, "| %s | %.0f | %.1f | %.1f | %.1f | %.1f |%n", name,
                median(rs.stream().map(r -> r.perSecond).toList()), median(rs.stream().map(r -> r.p50).toList()),
                median(rs.stream().map(r -> r.p90).toList()), median(rs.stream().map(r -> r.p99).toList()),
                median(rs.stream().map(r -> r.max).toList()));
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length == 0 ? Double.NaN
                : a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static String join(List<Double> xs, String fmt) {
        return String.join(", ", xs.stream().map(x -> String.format(Locale.ROOT, fmt, x)).toList());
    }

    // ---- Kafka: every accepted job must arrive on a request topic ----

    static final class RequestTopics implements AutoCloseable {
        final KafkaConsumer<String, byte[]> consumer;
        final List<TopicPartition> partitions = new ArrayList<>();
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        final AtomicLong lastSeenNanos = new AtomicLong();

        RequestTopics(String bootstrap) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID(),
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new ByteArrayDeserializer());
        }

        /** From now on: forget what was seen, and read from the topics' current ends. */
        void startCounting() {
            seen.clear();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                // The topics appear with the first request published to them (setUp submits one).
                for (String t : REQUEST_TOPICS) {
                    List<PartitionInfo> ps = consumer.partitionsFor(t, Duration.ofSeconds(10));
                    if (ps != null) {
                        for (PartitionInfo p : ps) {
                            partitions.add(new TopicPartition(p.topic(), p.partition()));
                        }
                    }
                }
                if (partitions.isEmpty()) {
                    sleepMs(200);
                } else {
                    consumer.assign(partitions);
                }
            }
            if (partitions.isEmpty()) {
                throw new IllegalStateException("no request topic appeared on the broker");
            }
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve now, before the load starts
        }

        /** Reads until every accepted id has been seen; returns when the last of them was read. */
        long awaitAll(Set<String> accepted, long deadlineNanos) {
            while (System.nanoTime() < deadlineNanos) {
                for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(20))) {
                    Matcher m = JOB_ID.matcher(new String(rec.value(), StandardCharsets.UTF_8));
                    if (m.find() && seen.add(m.group(1))) {
                        lastSeenNanos.set(System.nanoTime());
                    }
                }
                if (seen.containsAll(accepted)) {
                    return lastSeenNanos.get();
                }
            }
            long missing = accepted.stream().filter(id -> !seen.contains(id)).count();
            throw new IllegalStateException(missing + " of " + accepted.size()
                    + " accepted jobs never arrived on the request topics");
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    // ---- processes ----

    static Process spawn(String name, Map<String, String> env, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        children.add(p);
        return p;
    }

    static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
        }
    }

    static void awaitReady(Process p, String path, Duration timeout) throws Exception {
        awaitReadyOn(p, port, path, timeout);
    }

    static void awaitReadyOn(Process p, int onPort, String path, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("process exited with " + p.exitValue() + "; see the logs in " + dir);
            }
            try (Http h = new Http(onPort)) {
                if (h.call("GET", path, null, null).status == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("not ready after " + timeout + "; see the logs in " + dir);
    }

    static void sleepMs(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void check(Http.Resp r, int status, String what) {
        if (r.status != status) {
            throw new IllegalStateException(what + ": HTTP " + r.status + " " + r.body);
        }
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no \"" + name + "\" in " + json);
        }
        return m.group(1);
    }

    static void log(String s) {
        System.err.println("[" + java.time.LocalTime.now().withNano(0) + "] " + s);
    }

    /** A minimal blocking HTTP/1.1 keep-alive client: cheap, so the load generator leaves the CPU to the gateway. */
    static final class Http implements AutoCloseable {
        record Resp(int status, Map<String, String> headers, String body) {
        }

        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Http() throws IOException {
            this(port);
        }

        Http(int onPort) throws IOException {
            socket = new Socket("127.0.0.1", onPort);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = new BufferedOutputStream(socket.getOutputStream(), 8192);
        }

        Resp call(String method, String path, String authorization, String body) throws IOException {
            byte[] b = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
            StringBuilder req = new StringBuilder(256).append(method).append(' ').append(path)
                    .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n");
            if (authorization != null) {
                req.append("Authorization: ").append(authorization).append("\r\n");
            }
            if (b != null) {
                req.append("Content-Type: application/json\r\nContent-Length: ").append(b.length).append("\r\n");
            }
            req.append("\r\n");
            out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (b != null) {
                out.write(b);
            }
            out.flush();
            String status = line();
            if (status == null) {
                throw new IOException("connection closed");
            }
            int code = Integer.parseInt(status.substring(9, 12));
            Map<String, String> headers = new HashMap<>();
            String l;
            while (!(l = line()).isEmpty()) {
                int c = l.indexOf(':');
                headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
            }
            byte[] payload;
            if (headers.containsKey("content-length")) {
                payload = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                while (true) {
                    int size = Integer.parseInt(line().split(";")[0].trim(), 16);
                    if (size == 0) {
                        while (!line().isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    all.write(in.readNBytes(size));
                    line();
                }
                payload = all.toByteArray();
            } else {
                payload = new byte[0];
            }
            return new Resp(code, headers, new String(payload, StandardCharsets.UTF_8));
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    int len = sb.length();
                    return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
                }
                sb.append((char) c);
            }
            return sb.isEmpty() ? null : sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
