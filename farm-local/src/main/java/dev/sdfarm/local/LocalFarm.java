package dev.sdfarm.local;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * The whole farm on one machine: {@link LocalInfra} (PostgreSQL, Kafka), then the gateway and one worker as child
 * JVMs running their packaged {@code quarkus-run.jar}, all under one home folder:
 * <pre>
 *   home/admin-key          the bootstrap admin key (0600), made at the first start and kept
 *   home/store/             the shared file object store (models/, outputs/)
 *   home/logs/gateway.log   each service's stdout + stderr, appended (rotated past 16 MiB)
 *   home/logs/worker.log
 *   home/worker-cache/      the worker's local model cache
 *   home/lib/               parent-watch.jar (see {@link ParentWatch}), written at every start
 *   home/postgres/, home/kafka/   see {@link LocalInfra}
 * </pre>
 * Services are configured through environment variables (the names their {@code application.properties} read),
 * so no secret shows in {@code ps}. {@link #close()} (or the shutdown hook) stops the worker, the gateway, Kafka
 * and PostgreSQL, in that order. If this JVM is killed, the children see their standard input close and exit
 * ({@link ParentWatch}, {@link BrokerMain}); PostgreSQL, a daemon, is stopped by the next start.
 */
public final class LocalFarm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalFarm.class);
    public static final int DEFAULT_GATEWAY_PORT = 8080;
    public static final int DEFAULT_WEBUI_PORT = 7860;
    public static final String TENANT = "local";

    /**
     * @param gatewayPort  the native API's port; 0 picks a free one
     * @param webuiPort    the webui-compatible listener on 127.0.0.1; 0 picks a free one, -1 turns it off
     * @param workerPort   the worker's health/metrics port; 0 picks a free one
     * @param loopbackRole role of credential-less callers on loopback (SUBMITTER, OPERATOR, ADMIN); null: no such callers
     * @param gatewayEnv, workerEnv extra environment for the services (any of their configuration)
     */
    public record Config(Path home, Path gatewayJar, Path workerJar, int gatewayPort, int webuiPort, int workerPort,
                         LocalInfra.Config infra, String loopbackRole, String gatewayHeap, String workerHeap,
                         Map<String, String> gatewayEnv, Map<String, String> workerEnv, Duration startTimeout) {
        public Config {
            Objects.requireNonNull(home, "home");
            Objects.requireNonNull(gatewayJar, "gatewayJar");
            Objects.requireNonNull(workerJar, "workerJar");
            gatewayEnv = Map.copyOf(gatewayEnv);
            workerEnv = Map.copyOf(workerEnv);
        }

        /** Fixed default ports (8080, 7860, PostgreSQL 55432, Kafka 19092/19093), worker on a free port. */
        public static Config of(Path home, Path gatewayJar, Path workerJar) {
            return new Config(home, gatewayJar, workerJar, DEFAULT_GATEWAY_PORT, DEFAULT_WEBUI_PORT, 0,
                    LocalInfra.Config.of(home), "SUBMITTER", "512m", "3g", Map.of(), Map.of(),
                    Duration.ofSeconds(180));
        }

        /** Free ports everywhere (tests). */
        public Config withFreePorts() {
            return new Config(home, gatewayJar, workerJar, 0, 0, 0, infra.withPorts(0, 0, 0), loopbackRole,
                    gatewayHeap, workerHeap, gatewayEnv, workerEnv, startTimeout);
        }

        public Config withPorts(int gateway, int webui) {
            return new Config(home, gatewayJar, workerJar, gateway, webui, workerPort, infra, loopbackRole,
                    gatewayHeap, workerHeap, gatewayEnv, workerEnv, startTimeout);
        }

        public Config withInfra(LocalInfra.Config i) {
            return new Config(home, gatewayJar, workerJar, gatewayPort, webuiPort, workerPort, i, loopbackRole,
                    gatewayHeap, workerHeap, gatewayEnv, workerEnv, startTimeout);
        }

        public Config withLoopbackRole(String role) {
            return new Config(home, gatewayJar, workerJar, gatewayPort, webuiPort, workerPort, infra, role,
                    gatewayHeap, workerHeap, gatewayEnv, workerEnv, startTimeout);
        }

        public Config withHeaps(String gateway, String worker) {
            return new Config(home, gatewayJar, workerJar, gatewayPort, webuiPort, workerPort, infra, loopbackRole,
                    gateway, worker, gatewayEnv, workerEnv, startTimeout);
        }

        public Config withEnv(Map<String, String> gateway, Map<String, String> worker) {
            return new Config(home, gatewayJar, workerJar, gatewayPort, webuiPort, workerPort, infra, loopbackRole,
                    gatewayHeap, workerHeap, gateway, worker, startTimeout);
        }
    }

    private final Config config;
    private final Path home;
    private final LocalInfra infra;
    private final String adminKey;
    private final int gatewayPort;
    private final int webuiPort;
    private final int workerPort;
    private final Path watchJar;
    private volatile ServiceProcess gateway;
    private volatile ServiceProcess worker;
    private final ShutdownHook shutdownHook;
    /** Held while the farm runs, so a second start on the same home (which would stop this one's PostgreSQL) fails. */
    private final FileChannel lock;
    private boolean closed;

    private LocalFarm(Config config, Path home, LocalInfra infra, String adminKey, Path watchJar, FileChannel lock) {
        this.lock = lock;
        this.config = config;
        this.home = home;
        this.infra = infra;
        this.adminKey = adminKey;
        this.watchJar = watchJar;
        this.gatewayPort = config.gatewayPort() == 0 ? Ports.free() : config.gatewayPort();
        this.webuiPort = config.webuiPort() == 0 ? Ports.free() : config.webuiPort();
        this.workerPort = config.workerPort() == 0 ? Ports.free() : config.workerPort();
        infra.detachShutdownHook();
        this.shutdownHook = ShutdownHook.register("local-farm-shutdown", this::close);
    }

    /** Starts PostgreSQL, Kafka, the gateway and a worker; returns when the gateway's readiness check passes. */
    public static LocalFarm start(Config config) throws IOException {
        Path home = config.home().toAbsolutePath().normalize();
        for (Path jar : List.of(config.gatewayJar(), config.workerJar())) {
            if (!Files.isRegularFile(jar)) {
                throw new IOException("no packaged service at " + jar + " (build it: ./mvnw package -DskipTests)");
            }
        }
        Files.createDirectories(home.resolve("store"));
        Files.createDirectories(home.resolve("logs"));
        FileChannel lockFile = FileChannel.open(home.resolve("farm.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = lockFile.tryLock();
        if (lock == null) {
            lockFile.close();
            throw new IOException("a farm is already running in " + home + " (it holds " + home.resolve("farm.lock")
                    + "); stop it first, or give another --home");
        }
        try {
            return start(config, home, lockFile);
        } catch (IOException | RuntimeException e) {
            lockFile.close();
            throw e;
        }
    }

    private static LocalFarm start(Config config, Path home, FileChannel lock) throws IOException {
        String key = adminKey(home.resolve("admin-key"));
        Path watchJar = writeWatchJar(home.resolve("lib"));
        LocalInfra infra = LocalInfra.start(new LocalInfra.Config(home, config.infra().postgresPort(),
                config.infra().kafkaPort(), config.infra().kafkaControllerPort()));
        LocalFarm farm = new LocalFarm(config, home, infra, key, watchJar, lock);
        try {
            farm.startGateway();
            farm.startWorker();
        } catch (IOException | RuntimeException e) {
            farm.close();
            throw e;
        }
        return farm;
    }

    /** The admin key in {@code file}, made (0600) on the first start. */
    static String adminKey(Path file) throws IOException {
        if (Files.exists(file)) {
            String k = Files.readString(file).trim();
            if (!k.isEmpty()) {
                return k;
            }
        }
        String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        SecureRandom rnd = new SecureRandom();
        StringBuilder sb = new StringBuilder("sdf_");
        for (int i = 0; i < 16 + 1 + 32; i++) {
            sb.append(i == 16 ? '_' : alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException empty) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        Files.writeString(file, sb + "\n");
        return sb.toString();
    }

    /** A jar holding {@link ParentWatch} as its agent, rewritten at every start. */
    private static Path writeWatchJar(Path lib) throws IOException {
        Files.createDirectories(lib);
        Path jar = lib.resolve("parent-watch.jar");
        String name = ParentWatch.class.getName().replace('.', '/') + ".class";
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(new Attributes.Name("Premain-Class"), ParentWatch.class.getName());
        Path tmp = lib.resolve("parent-watch.jar.tmp");
        try (InputStream in = ParentWatch.class.getClassLoader().getResourceAsStream(name);
             OutputStream out = Files.newOutputStream(tmp);
             JarOutputStream jout = new JarOutputStream(out, mf)) {
            if (in == null) {
                throw new IOException("class file " + name + " not found");
            }
            jout.putNextEntry(new JarEntry(name));
            in.transferTo(jout);
            jout.closeEntry();
        }
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return jar;
    }

    private List<String> javaCommand(String name, String heap, Path jar) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                "-javaagent:" + watchJar + "=" + name,
                "-jar", jar.toAbsolutePath().toString()));
        return cmd;
    }

    private Map<String, String> common() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SDFARM_KAFKA", infra.kafka().bootstrapServers());
        env.put("SDFARM_STORE", storeDir().toString());
        env.put("SDFARM_STORE_LOCATION", storeDir().toString());
        return env;
    }

    /** Starts the gateway (after {@link #killGateway()} or {@link #stopGateway()}). */
    public synchronized void startGateway() throws IOException {
        if (gateway != null && gateway.isAlive()) {
            throw new IllegalStateException("the gateway is running");
        }
        Map<String, String> env = common();
        env.put("SDFARM_GATEWAY_PORT", Integer.toString(gatewayPort));
        env.put("SDFARM_DB_URL", infra.postgres().jdbcUrl());
        env.put("SDFARM_DB_USER", infra.postgres().user());
        env.put("SDFARM_DB_PASSWORD", infra.postgres().password());
        env.put("SDFARM_AUTH_BOOTSTRAP_ADMIN_KEY", adminKey);
        env.put("SDFARM_AUTH_BOOTSTRAP_TENANT", TENANT);
        // One machine: webhook receivers are local programs, so private addresses are allowed here (not in the chart).
        env.put("SDFARM_WEBHOOKS_ALLOW_PRIVATE", "true");
        if (config.loopbackRole() != null && !config.loopbackRole().isBlank()) {
            env.put("SDFARM_AUTH_LOOPBACK_TENANT", TENANT);
            env.put("SDFARM_AUTH_LOOPBACK_ROLE", config.loopbackRole());
        }
        if (webuiPort > 0) {
            env.put("SDFARM_A1111_PORT", Integer.toString(webuiPort));
        }
        env.putAll(config.gatewayEnv());
        gateway = ServiceProcess.start("gateway", javaCommand("gateway", config.gatewayHeap(), config.gatewayJar()),
                env, home.resolve("logs/gateway.log"), home.resolve("gateway.pid"), gatewayPort,
                config.startTimeout(), Duration.ofSeconds(30));
    }

    /** Starts the worker (after {@link #killWorker()} or {@link #stopWorker()}). */
    public synchronized void startWorker() throws IOException {
        if (worker != null && worker.isAlive()) {
            throw new IllegalStateException("the worker is running");
        }
        Map<String, String> env = common();
        env.put("SDFARM_WORKER_PORT", Integer.toString(workerPort));
        env.put("SDFARM_WORKER_ID", "local-1");
        env.put("SDFARM_WORKER_CACHE_DIR", home.resolve("worker-cache").toString());
        env.put("SDFARM_WORKER_SHUTDOWN_GRACE_SECONDS", "10");
        env.putAll(config.workerEnv());
        worker = ServiceProcess.start("worker", javaCommand("worker", config.workerHeap(), config.workerJar()),
                env, home.resolve("logs/worker.log"), home.resolve("worker.pid"), workerPort, config.startTimeout(),
                Duration.ofSeconds(30));
    }

    /** SIGKILL to the worker, as a crash. */
    public synchronized void killWorker() {
        if (worker != null) {
            worker.kill();
        }
    }

    public synchronized void stopWorker() {
        if (worker != null) {
            worker.stop();
        }
    }

    /** SIGKILL to the gateway, as a crash. */
    public synchronized void killGateway() {
        if (gateway != null) {
            gateway.kill();
        }
    }

    public synchronized void stopGateway() {
        if (gateway != null) {
            gateway.stop();
        }
    }

    public Path home() {
        return home;
    }

    public LocalInfra infra() {
        return infra;
    }

    public Path storeDir() {
        return home.resolve("store");
    }

    public Path adminKeyFile() {
        return home.resolve("admin-key");
    }

    public String adminKey() {
        return adminKey;
    }

    /** {@code http://127.0.0.1:port} of the native API. */
    public String gatewayUrl() {
        return "http://127.0.0.1:" + gatewayPort;
    }

    /** {@code http://127.0.0.1:port} of the webui-compatible API, or null when it is off. */
    public String webuiUrl() {
        return webuiPort > 0 ? "http://127.0.0.1:" + webuiPort : null;
    }

    public ProcessHandle workerProcess() {
        return worker.handle();
    }

    public ProcessHandle gatewayProcess() {
        return gateway.handle();
    }

    /** Human-readable addresses, one per line. */
    public String describe() {
        List<String> l = new ArrayList<>(List.of(
                "sdfarm is running in " + home,
                "  native API    " + gatewayUrl() + "/v1   (jobs, models, conversions, workers, tenants, images)",
                "  dashboard     " + gatewayUrl() + "/dashboard/   (log in with the admin key)",
                "  Swagger UI    " + gatewayUrl() + "/q/swagger-ui",
                "  health        " + gatewayUrl() + "/q/health"));
        if (webuiUrl() != null) {
            l.add("  webui API     " + webuiUrl() + "/sdapi/v1   (loopback callers without credentials act as tenant '"
                    + TENANT + "'" + (config.loopbackRole() == null ? ": off" : ", role " + config.loopbackRole())
                    + ")");
        }
        l.addAll(List.of(
                "  admin key     " + adminKeyFile() + "   (curl -H \"Authorization: Bearer $(cat "
                        + adminKeyFile() + ")\" ...)",
                "  store         " + storeDir() + "   (models/, outputs/<tenant>/<job>/<n>.png)",
                "  logs          " + home.resolve("logs") + "/{gateway,worker}.log, "
                        + infra.kafka().logFile() + ", " + infra.postgres().logFile().map(Path::toString).orElse("-"),
                "  PostgreSQL    " + infra.postgres().jdbcUrl(),
                "  Kafka         " + infra.kafka().bootstrapServers()));
        return String.join("\n", l);
    }

    /** Stops the worker, the gateway, Kafka and PostgreSQL, in that order. Data stays. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        shutdownHook.remove();
        LOG.info("Stopping the farm in {}", home);
        ServiceProcess w = worker;
        ServiceProcess g = gateway;
        try {
            if (w != null) {
                w.stop();
            }
        } finally {
            try {
                if (g != null) {
                    g.stop();
                }
            } finally {
                try {
                    infra.close();
                } catch (IOException | RuntimeException e) {
                    LOG.warn("Stopping PostgreSQL/Kafka failed", e);
                } finally {
                    try {
                        lock.close();
                    } catch (IOException ignored) {
                        // released when this JVM exits anyway
                    }
                }
            }
        }
    }
}
