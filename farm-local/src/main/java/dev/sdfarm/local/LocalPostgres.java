package dev.sdfarm.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static java.lang.ProcessBuilder.Redirect;

/**
 * An embedded PostgreSQL 17 (zonky binaries) with the database {@value #DATABASE}.
 *
 * <p>Two modes:
 * <ul>
 *   <li>{@link #startPersistent}: a fixed data directory that is initialised ({@code initdb}) only when it holds no
 *       cluster yet, and kept on {@link #close()}, so rows survive a restart. The server's output goes to
 *       {@code <data dir>.log} next to it.</li>
 *   <li>{@link #startEphemeral()}: a temporary data directory on a random port, deleted on close (for tests).</li>
 * </ul>
 *
 * <p>Root: PostgreSQL refuses to run as root. zonky notices root and runs {@code initdb}, {@code pg_ctl} and the
 * server through {@code unshare -U} (a user namespace in which the process is not uid 0). The files on disk stay
 * owned by root, which is also what the server sees as "its own" inside the namespace, so a data directory made
 * this way restarts the same way. As a normal user nothing special happens.
 *
 * <p>The server is a daemon ({@code pg_ctl start}), not a child that dies with this JVM: a JVM killed with
 * {@code kill -9} leaves it running. The next {@link #startPersistent} on the same directory finds its
 * {@code postmaster.pid}, stops that server and starts afresh. A JVM that exits normally stops it through a
 * shutdown hook.
 */
public final class LocalPostgres implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalPostgres.class);

    /** The application database, created if missing. */
    public static final String DATABASE = "sdfarm";
    /** Superuser; trust authentication on loopback, so any password (and none) is accepted. */
    public static final String USER = "postgres";
    public static final String PASSWORD = "";

    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration STALE_STOP_WAIT = Duration.ofSeconds(30);

    private final EmbeddedPostgres pg;
    private final Path dataDirectory;
    private final Path logFile;
    private final boolean ephemeral;
    private final ShutdownHook shutdownHook;
    private boolean closed;

    private LocalPostgres(EmbeddedPostgres pg, Path dataDirectory, Path logFile, boolean ephemeral) {
        this.pg = pg;
        this.dataDirectory = dataDirectory;
        this.logFile = logFile;
        this.ephemeral = ephemeral;
        this.shutdownHook = ShutdownHook.register("local-postgres-shutdown", this::closeQuietly);
    }

    /**
     * Starts (and on first use initialises) the cluster in {@code dataDirectory}, listening on {@code port}
     * ({@code 0}: a free port), and creates the database {@value #DATABASE} if missing.
     */
    public static LocalPostgres startPersistent(Path dataDirectory, int port) throws IOException {
        Path dir = dataDirectory.toAbsolutePath().normalize();
        Files.createDirectories(dir.getParent());
        Path log = dir.resolveSibling(dir.getFileName() + ".log");
        stopStaleServer(dir);
        Ports.rotateLog(log);
        int p = port == 0 ? Ports.free() : port;
        if (Ports.listening(p)) {
            throw new IOException("cannot start PostgreSQL on port " + p + ": something already listens there"
                    + " (another sdfarm or PostgreSQL?); choose another port");
        }
        boolean fresh = !Files.exists(dir.resolve("postgresql.conf"));
        LOG.info("{} PostgreSQL in {} on port {} (log: {})", fresh ? "Initialising" : "Starting", dir, p, log);
        EmbeddedPostgres pg = start(EmbeddedPostgres.builder()
                .setDataDirectory(dir.toFile())
                .setCleanDataDirectory(false)
                // zonky turns synchronous_commit off; the farm's data must survive a crash once a 202 went out.
                .setServerConfig("synchronous_commit", "on")
                .setPort(p)
                .setOutputRedirector(Redirect.appendTo(log.toFile()))
                .setErrorRedirector(Redirect.appendTo(log.toFile())), log);
        LocalPostgres local = new LocalPostgres(pg, dir, log, false);
        local.createDatabaseIfMissing();
        return local;
    }

    /**
     * A throwaway server: temporary data directory, random port, everything deleted on {@link #close()}; commits
     * are not waited for on disk (zonky's default), which tests do not need.
     */
    public static LocalPostgres startEphemeral() throws IOException {
        Path dir = Files.createTempDirectory("sdfarm-pg-");
        try {
            EmbeddedPostgres pg = start(EmbeddedPostgres.builder()
                    .setDataDirectory(dir.toFile())
                    .setCleanDataDirectory(true)
                    .setPort(Ports.free()), null);
            LocalPostgres local = new LocalPostgres(pg, dir, null, true);
            local.createDatabaseIfMissing();
            return local;
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    private static EmbeddedPostgres start(EmbeddedPostgres.Builder builder, Path log) throws IOException {
        try {
            return builder.setRegisterShutdownHook(false).setPGStartupWait(STARTUP_WAIT).start();
        } catch (IOException | RuntimeException e) {
            String where = log == null ? "" : "; see its log: " + log;
            throw new IOException("PostgreSQL did not start: " + e.getMessage() + where, e);
        }
    }

    /** A server left running by a JVM that was killed: stop it, so the data directory can be used again. */
    private static void stopStaleServer(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        Optional<ProcessHandle> server = lines.isEmpty() ? Optional.empty()
                : parsePid(lines.getFirst()).flatMap(ProcessHandle::of)
                .filter(h -> h.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
        if (server.isEmpty()) {
            return; // a stale pid file; postgres itself deals with it
        }
        ProcessHandle h = server.get();
        LOG.warn("A PostgreSQL server (pid {}) still runs on {}; stopping it first", h.pid(), dir);
        h.destroy(); // SIGTERM: smart shutdown (its clients died with the JVM that left it behind)
        try {
            h.onExit().get(STALE_STOP_WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            h.destroyForcibly();
            throw new IOException("could not stop the PostgreSQL server (pid " + h.pid() + ") left running on " + dir, e);
        }
    }

    private static Optional<Long> parsePid(String s) {
        try {
            return Optional.of(Long.parseLong(s.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void createDatabaseIfMissing() throws IOException {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, PASSWORD);
             PreparedStatement q = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            q.setString(1, DATABASE);
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE \"" + DATABASE + "\"");
            }
            LOG.info("Created database {}", DATABASE);
        } catch (SQLException e) {
            closeQuietly();
            throw new IOException("could not create database " + DATABASE + ": " + e.getMessage(), e);
        }
    }

    /** JDBC URL of the {@value #DATABASE} database. */
    public String jdbcUrl() {
        return jdbcUrl(DATABASE);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public int port() {
        return pg.getPort();
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    /** The server's output file; empty for an ephemeral server (its output goes to SLF4J). */
    public Optional<Path> logFile() {
        return Optional.ofNullable(logFile);
    }

    public boolean isEphemeral() {
        return ephemeral;
    }

    /** A new connection to {@value #DATABASE}. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
    }

    /** Stops the server (fast shutdown). A persistent data directory is kept; an ephemeral one is deleted. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        shutdownHook.remove();
        try {
            pg.close();
        } finally {
            if (ephemeral) {
                deleteTree(dataDirectory);
            }
        }
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
        } catch (IOException | RuntimeException e) {
            LOG.warn("Stopping PostgreSQL failed", e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL " + jdbcUrl() + " (user " + USER + ", data " + dataDirectory + ")";
    }
}
