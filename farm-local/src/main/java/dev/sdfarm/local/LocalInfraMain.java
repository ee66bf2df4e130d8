package dev.sdfarm.local;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Starts {@link LocalInfra} and keeps it running until Ctrl-C (or SIGTERM):
 * {@code java -cp <farm-local classpath> dev.sdfarm.local.LocalInfraMain [--home DIR] [--postgres-port N]
 * [--kafka-port N] [--kafka-controller-port N]}.
 */
public final class LocalInfraMain {
    private LocalInfraMain() {}

    public static void main(String[] args) throws Exception {
        // slf4j-simple: the Kafka clients' configuration dumps are noise here.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
        LocalInfra.Config cfg = LocalInfra.Config.defaults();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(0);
            }
            if (i + 1 >= args.length) {
                System.err.println("missing value for " + a);
                usage(2);
            }
            String v = args[++i];
            switch (a) {
                case "--home" -> cfg = new LocalInfra.Config(Path.of(v), cfg.postgresPort(), cfg.kafkaPort(),
                        cfg.kafkaControllerPort());
                case "--postgres-port" -> cfg = cfg.withPorts(Integer.parseInt(v), cfg.kafkaPort(),
                        cfg.kafkaControllerPort());
                case "--kafka-port" -> cfg = cfg.withPorts(cfg.postgresPort(), Integer.parseInt(v),
                        cfg.kafkaControllerPort());
                case "--kafka-controller-port" -> cfg = cfg.withPorts(cfg.postgresPort(), cfg.kafkaPort(),
                        Integer.parseInt(v));
                default -> {
                    System.err.println("unknown option " + a);
                    usage(2);
                }
            }
        }
        LocalInfra infra;
        try {
            infra = LocalInfra.start(cfg);
        } catch (Exception e) {
            System.err.println("sdfarm: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        // LocalInfra's own hook stops both; this one (close is idempotent and synchronized) returns after it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                infra.close();
            } catch (Exception e) {
                System.err.println("sdfarm: stopping failed: " + e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, "local-infra-shutdown"));
        System.out.println(infra.describe());
        System.out.println("Running; Ctrl-C stops both.");
        System.out.flush();
        stopped.await();
    }

    private static void usage(int rc) {
        System.err.println("usage: LocalInfraMain [--home DIR] [--postgres-port N] [--kafka-port N]"
                + " [--kafka-controller-port N]   (defaults: ./.sdfarm, " + LocalInfra.DEFAULT_POSTGRES_PORT + ", "
                + LocalInfra.DEFAULT_KAFKA_PORT + ", " + LocalInfra.DEFAULT_KAFKA_CONTROLLER_PORT + ")");
        System.exit(rc);
    }
}
