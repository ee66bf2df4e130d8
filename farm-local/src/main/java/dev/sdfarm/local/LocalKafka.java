package dev.sdfarm.local;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A single-node Kafka (KRaft, combined broker + controller) in a child JVM, with its storage under a home folder.
 *
 * <p>Layout of {@code home}:
 * <pre>
 *   server.properties   written at every start (ports may change)
 *   log4j2.properties   broker logging: everything to standard output, which is the log file
 *   broker.log          the broker JVM's stdout + stderr, appended at every start (rotated past 16 MiB)
 *   broker.pid          pid of the running broker JVM
 *   lib/                {@link BrokerMain}'s class file (copied at every start)
 *   data/               log.dirs (topics and the KRaft metadata log); data/meta.properties holds the cluster id
 * </pre>
 * The storage is formatted only when {@code data/meta.properties} is missing; later starts keep the cluster id and
 * every message.
 *
 * <p>Lifecycle: {@link #start} returns once an AdminClient sees the cluster (with the expected cluster id) or throws
 * an exception naming the log file. {@link #close()} sends SIGTERM (controlled shutdown), waits, then kills. A
 * shutdown hook closes it when this JVM exits normally; if this JVM is killed, the child notices its standard input
 * closing and shuts itself down (see {@link BrokerMain}). A broker left behind by a killed parent that is still
 * shutting down is waited for (or killed) before a new one starts on the same home.
 */
public final class LocalKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalKafka.class);
    private static final Duration STOP_WAIT = Duration.ofSeconds(30);
    private static final String START_MARKER = "==== sdfarm";

    /**
     * @param home          folder for configuration, data and log
     * @param port          client (PLAINTEXT) port on 127.0.0.1; 0 picks a free one
     * @param controllerPort KRaft controller port on 127.0.0.1; 0 picks a free one
     * @param startTimeout  how long to wait for the broker to answer
     * @param heap          the broker JVM's -Xmx
     * @param classpath     the Kafka jars for the broker JVM; null: {@link KafkaBrokerClasspath#resolve()}
     */
    public record Config(Path home, int port, int controllerPort, Duration startTimeout, String heap, List<Path> classpath) {
        public Config {
            Objects.requireNonNull(home, "home");
            Objects.requireNonNull(startTimeout, "startTimeout");
            Objects.requireNonNull(heap, "heap");
        }

        public static Config of(Path home) {
            return new Config(home, 0, 0, Duration.ofSeconds(90), "512m", null);
        }

        public Config withPorts(int port, int controllerPort) {
            return new Config(home, port, controllerPort, startTimeout, heap, classpath);
        }

        public Config withStartTimeout(Duration t) {
            return new Config(home, port, controllerPort, t, heap, classpath);
        }
    }

    private final Path home;
    private final Path logFile;
    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final boolean formatted;
    private final Process process;
    private final OutputStream lifeline;
    private final ShutdownHook shutdownHook;
    private boolean closed;

    private LocalKafka(Path home, Path logFile, int port, int controllerPort, String clusterId, boolean formatted,
                       Process process) {
        this.home = home;
        this.logFile = logFile;
        this.port = port;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
        this.formatted = formatted;
        this.process = process;
        this.lifeline = process.getOutputStream();
        this.shutdownHook = ShutdownHook.register("local-kafka-shutdown", this::closeQuietly);
    }

    /** Starts the broker under {@code home} with free ports. */
    public static LocalKafka start(Path home) throws IOException {
        return start(Config.of(home));
    }

    public static LocalKafka start(Config config) throws IOException {
        Path home = config.home().toAbsolutePath().normalize();
        Path data = home.resolve("data");
        Files.createDirectories(data);
        Path log = home.resolve("broker.log");
        Path props = home.resolve("server.properties");
        Path pidFile = home.resolve("broker.pid");
        awaitStaleBroker(pidFile);

        int port = config.port() == 0 ? Ports.free() : config.port();
        int controllerPort = config.controllerPort() == 0 ? freeOtherThan(port) : config.controllerPort();
        Path meta = data.resolve("meta.properties");
        boolean format = !Files.exists(meta);
        String clusterId = format ? Uuid.randomUuid().toString() : readClusterId(meta);

        Files.writeString(props, serverProperties(data, port, controllerPort));
        Path log4j = home.resolve("log4j2.properties");
        Files.writeString(log4j, LOG4J2);
        Ports.rotateLog(log);
        Files.writeString(log, START_MARKER + " " + Instant.now() + " starting broker (" + (format ? "format, " : "")
                + "port " + port + ", controller " + controllerPort + ")\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);

        List<Path> cp = new ArrayList<>();
        cp.add(installBrokerMain(home.resolve("lib")));
        cp.addAll(config.classpath() != null ? config.classpath() : KafkaBrokerClasspath.resolve());
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + config.heap(), "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-cp", cp.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
                BrokerMain.class.getName()));
        if (format) {
            cmd.addAll(List.of("--format", clusterId));
        }
        cmd.add(props.toString());

        LOG.info("Starting Kafka broker on 127.0.0.1:{} (home {}, log {})", port, home, log);
        Process p = new ProcessBuilder(cmd)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.PIPE) // the lifeline: see BrokerMain
                .start();
        Files.writeString(pidFile, Long.toString(p.pid()));
        LocalKafka kafka = new LocalKafka(home, log, port, controllerPort, clusterId, format, p);
        try {
            kafka.awaitReady(config.startTimeout());
        } catch (IOException | RuntimeException e) {
            kafka.closeQuietly();
            throw e;
        }
        LOG.info("Kafka broker ready on {} (cluster {}, pid {})", kafka.bootstrapServers(), clusterId, p.pid());
        return kafka;
    }

    /**
     * Copies {@link BrokerMain}'s class file under {@code lib} (it is one self-contained class), so the child needs
     * nothing else of farm-local, wherever farm-local itself was loaded from (a folder, a jar, a Quarkus app).
     */
    private static Path installBrokerMain(Path lib) throws IOException {
        String name = BrokerMain.class.getName().replace('.', '/') + ".class";
        Path target = lib.resolve(name);
        Files.createDirectories(target.getParent());
        try (InputStream in = BrokerMain.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("class file " + name + " not found");
            }
            Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return lib;
    }

    private static int freeOtherThan(int port) {
        int p;
        do {
            p = Ports.free();
        } while (p == port);
        return p;
    }

    private static String readClusterId(Path meta) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            p.load(in);
        }
        String id = p.getProperty("cluster.id");
        if (id == null || id.isBlank()) {
            throw new IOException("no cluster.id in " + meta);
        }
        return id;
    }

    static String serverProperties(Path data, int port, int controllerPort) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("process.roles", "broker,controller");
        m.put("node.id", "1");
        m.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        m.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        m.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        m.put("controller.listener.names", "CONTROLLER");
        m.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        m.put("inter.broker.listener.name", "PLAINTEXT");
        m.put("log.dirs", data.toString());
        m.put("num.partitions", "1");
        m.put("auto.create.topics.enable", "true");
        // One node: every internal topic with replication factor 1, or consumer groups never form.
        m.put("offsets.topic.replication.factor", "1");
        m.put("offsets.topic.num.partitions", "1");
        m.put("transaction.state.log.replication.factor", "1");
        m.put("transaction.state.log.min.isr", "1");
        m.put("share.coordinator.state.topic.replication.factor", "1");
        m.put("share.coordinator.state.topic.min.isr", "1");
        m.put("default.replication.factor", "1");
        m.put("min.insync.replicas", "1");
        m.put("group.initial.rebalance.delay.ms", "0");
        StringBuilder sb = new StringBuilder("# Written by sdfarm LocalKafka at every start; edits are overwritten.\n");
        m.forEach((k, v) -> sb.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        return sb.toString();
    }

    private static final String LOG4J2 = """
            # Written by sdfarm LocalKafka. The broker's stdout is its log file.
            status = warn
            appender.out.type = Console
            appender.out.name = STDOUT
            appender.out.layout.type = PatternLayout
            appender.out.layout.pattern = [%d] %p %m (%c)%n
            rootLogger.level = INFO
            rootLogger.appenderRef.out.ref = STDOUT
            logger.kafka.name = kafka
            logger.kafka.level = INFO
            logger.kafkaapache.name = org.apache.kafka
            logger.kafkaapache.level = INFO
            # Per-request and per-segment chatter
            logger.request.name = kafka.request.logger
            logger.request.level = WARN
            logger.cleaner.name = kafka.log.LogCleaner
            logger.cleaner.level = WARN
            logger.state.name = state.change.logger
            logger.state.level = WARN
            """;

    /** A broker from an earlier start on this home that is still alive (its parent was killed): wait, then kill. */
    private static void awaitStaleBroker(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        Optional<ProcessHandle> old;
        try {
            old = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                    .filter(h -> h.info().commandLine().map(c -> c.contains(BrokerMain.class.getName())).orElse(false));
        } catch (NumberFormatException e) {
            old = Optional.empty();
        }
        if (old.isEmpty()) {
            return;
        }
        ProcessHandle h = old.get();
        LOG.warn("A broker from an earlier start (pid {}) is still running; stopping it", h.pid());
        h.destroy();
        try {
            h.onExit().get(STOP_WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e2) {
                throw new IOException("could not stop the earlier broker (pid " + h.pid() + ")", e2);
            }
        }
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // First the port (quietly), then the cluster through an AdminClient.
        while (!Ports.listening(port)) {
            checkAlive();
            if (System.nanoTime() > deadline) {
                throw failure("did not listen on port " + port + " within " + timeout.toSeconds() + " s");
            }
            sleep(200);
        }
        Properties ap = new Properties();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        ap.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        ap.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        ap.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        Exception last = null;
        try (Admin admin = Admin.create(ap)) {
            while (System.nanoTime() < deadline) {
                checkAlive();
                try {
                    DescribeClusterResult r = admin.describeCluster();
                    String id = r.clusterId().get(5, TimeUnit.SECONDS);
                    int nodes = r.nodes().get(5, TimeUnit.SECONDS).size();
                    if (!clusterId.equals(id)) {
                        throw failure("port " + port + " is answered by another Kafka cluster (" + id
                                + "), not this broker (" + clusterId + ")");
                    }
                    if (nodes > 0) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the Kafka broker", e);
                }
                sleep(250);
            }
        }
        throw failure("did not become ready within " + timeout.toSeconds() + " s"
                + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
    }

    private void checkAlive() throws IOException {
        if (!process.isAlive()) {
            throw failure("exited with code " + process.exitValue() + " while starting");
        }
    }

    private IOException failure(String what) {
        return new IOException("Kafka broker " + what + "; see its log: " + logFile + "\n" + diagnosis(logFile));
    }

    /**
     * What the log says about this start: its errors and their causes (after the latest start marker), or its
     * last lines when it reports no error.
     */
    static String diagnosis(Path file) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            int from = 0;
            for (int i = all.size() - 1; i >= 0; i--) {
                if (all.get(i).startsWith(START_MARKER)) {
                    from = i;
                    break;
                }
            }
            List<String> run = all.subList(from, all.size());
            List<String> errors = run.stream()
                    .filter(l -> l.contains("] ERROR ") || l.contains("] FATAL ") || l.startsWith("Caused by: ")
                            || l.startsWith("sdfarm: "))
                    .distinct().limit(8).toList();
            List<String> shown = errors.isEmpty() ? run.subList(Math.max(0, run.size() - 10), run.size()) : errors;
            return shown.stream().map(l -> "  | " + (l.length() > 400 ? l.substring(0, 400) + "..." : l))
                    .collect(Collectors.joining("\n"));
        } catch (IOException | RuntimeException e) {
            return "  (log unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the Kafka broker", e);
        }
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public String clusterId() {
        return clusterId;
    }

    /** Whether this start formatted the storage (the first start on this home). */
    public boolean formattedOnStart() {
        return formatted;
    }

    public Path home() {
        return home;
    }

    public Path logFile() {
        return logFile;
    }

    /** The broker JVM. */
    public ProcessHandle process() {
        return process.toHandle();
    }

    /** Stops the broker: SIGTERM (controlled shutdown), up to 30 s, then SIGKILL. Data stays. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        shutdownHook.remove();
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    LOG.warn("Kafka broker (pid {}) did not stop within {} s; killing it", process.pid(),
                            STOP_WAIT.toSeconds());
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                lifeline.close();
            } catch (IOException ignored) {
                // the child is gone
            }
            try {
                Files.deleteIfExists(home.resolve("broker.pid"));
            } catch (IOException ignored) {
                // harmless: the next start checks the pid before using it
            }
        }
        LOG.info("Kafka broker stopped (exit code {})", process.isAlive() ? "?" : process.exitValue());
    }

    /**
     * Drops this instance's own shutdown hook, for an owner that stops it in a set order from its own hook
     * ({@link LocalInfra}).
     */
    synchronized void detachShutdownHook() {
        if (!closed) {
            shutdownHook.remove();
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            LOG.warn("Stopping the Kafka broker failed", e);
        }
    }

    @Override
    public String toString() {
        return "Kafka " + bootstrapServers() + " (cluster " + clusterId + ", home " + home + ")";
    }
}
