package dev.sdfarm.local;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * PostgreSQL and Kafka for one machine, both persistent under one home folder (default {@code ./.sdfarm}):
 * <pre>
 *   home/postgres/       PostgreSQL data directory     home/postgres.log   its server log
 *   home/kafka/          broker home (see {@link LocalKafka}: data/, broker.log, server.properties)
 * </pre>
 * Started in that order and stopped in reverse ({@link #close()}, or a shutdown hook when the JVM exits). If Kafka
 * fails to start, PostgreSQL is stopped again.
 */
public final class LocalInfra implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalInfra.class);

    /** Fixed defaults, so addresses stay the same between runs; 0 anywhere picks a free port. */
    public static final int DEFAULT_POSTGRES_PORT = 55432;
    public static final int DEFAULT_KAFKA_PORT = 19092;
    public static final int DEFAULT_KAFKA_CONTROLLER_PORT = 19093;

    public record Config(Path home, int postgresPort, int kafkaPort, int kafkaControllerPort) {
        public Config {
            Objects.requireNonNull(home, "home");
        }

        public static Config defaults() {
            return of(Path.of(".sdfarm"));
        }

        public static Config of(Path home) {
            return new Config(home, DEFAULT_POSTGRES_PORT, DEFAULT_KAFKA_PORT, DEFAULT_KAFKA_CONTROLLER_PORT);
        }

        public Config withPorts(int postgresPort, int kafkaPort, int kafkaControllerPort) {
            return new Config(home, postgresPort, kafkaPort, kafkaControllerPort);
        }
    }

    private final Path home;
    private final LocalPostgres postgres;
    private volatile LocalKafka kafka;
    private boolean closed;

    private final ShutdownHook shutdownHook;

    private LocalInfra(Path home, LocalPostgres postgres, LocalKafka kafka) {
        this.home = home;
        this.postgres = postgres;
        this.kafka = kafka;
        // One hook for both, so a JVM exit also stops them in reverse order (theirs would run concurrently).
        postgres.detachShutdownHook();
        kafka.detachShutdownHook();
        this.shutdownHook = ShutdownHook.register("local-infra-shutdown", () -> {
            try {
                close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("Stopping local infrastructure failed", e);
            }
        });
    }

    public static LocalInfra start(Config config) throws IOException {
        Path home = config.home().toAbsolutePath().normalize();
        LocalPostgres pg = LocalPostgres.startPersistent(home.resolve("postgres"), config.postgresPort());
        try {
            LocalKafka kafka = LocalKafka.start(LocalKafka.Config.of(home.resolve("kafka"))
                    .withPorts(config.kafkaPort(), config.kafkaControllerPort()));
            return new LocalInfra(home, pg, kafka);
        } catch (IOException | RuntimeException e) {
            try {
                pg.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public Path home() {
        return home;
    }

    public LocalPostgres postgres() {
        return postgres;
    }

    public LocalKafka kafka() {
        return kafka;
    }

    /** Stops the broker (data stays), e.g. to show that clients ride out its absence. */
    public synchronized void stopKafka() {
        kafka.close();
    }

    /** Starts the broker again on the same home and ports after {@link #stopKafka()}. */
    public synchronized LocalKafka startKafka() throws IOException {
        LocalKafka old = kafka;
        old.close();
        LocalKafka k = LocalKafka.start(LocalKafka.Config.of(home.resolve("kafka"))
                .withPorts(old.port(), old.controllerPort()));
        k.detachShutdownHook();
        kafka = k;
        return k;
    }

    /** Drops this instance's shutdown hook, for an owner that stops it in a set order ({@link LocalFarm}). */
    synchronized void detachShutdownHook() {
        if (!closed) {
            shutdownHook.remove();
        }
    }

    /** Human-readable addresses, one per line. */
    public String describe() {
        return String.join("\n",
                "sdfarm local infrastructure in " + home,
                "  PostgreSQL  " + postgres.jdbcUrl() + "  (user " + postgres.user() + ", no password)",
                "              log " + postgres.logFile().map(Path::toString).orElse("-"),
                "  Kafka       bootstrap.servers=" + kafka.bootstrapServers() + "  (cluster " + kafka.clusterId() + ")",
                "              log " + kafka.logFile());
    }

    /** Stops Kafka, then PostgreSQL. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        shutdownHook.remove();
        LOG.info("Stopping local infrastructure in {}", home);
        try {
            kafka.close();
        } finally {
            postgres.close();
        }
    }
}
