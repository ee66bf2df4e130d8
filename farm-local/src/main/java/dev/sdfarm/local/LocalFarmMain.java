package dev.sdfarm.local;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./sdfarm up}: starts {@link LocalFarm} and keeps it running until Ctrl-C (or SIGTERM).
 * <pre>
 * java -Dsdfarm.gateway.jar=… -Dsdfarm.worker.jar=… -Dsdfarm.kafka.classpath=… \
 *      -cp farm-local.jar:lib/* dev.sdfarm.local.LocalFarmMain [options]
 * </pre>
 * Options: {@code --home DIR} (default ./.sdfarm), {@code --port N} (gateway, default $SDFARM_GATEWAY_PORT or 8080),
 * {@code --webui-port N} (7860; -1 off), {@code --loopback-role SUBMITTER|OPERATOR|ADMIN|none},
 * {@code --worker-heap SIZE} (3g), {@code --postgres-port N}, {@code --kafka-port N},
 * {@code --kafka-controller-port N}, {@code --gateway-jar FILE}, {@code --worker-jar FILE}.
 */
public final class LocalFarmMain {
    static final Set<String> OPTIONS = Set.of("--home", "--port", "--webui-port", "--loopback-role", "--worker-heap",
            "--postgres-port", "--kafka-port", "--kafka-controller-port", "--gateway-jar", "--worker-jar");

    private LocalFarmMain() {}

    public static void main(String[] args) throws Exception {
        quietLogging();
        Map<String, String> opts = parse(args, OPTIONS, Set.of(), LocalFarmMain::usage);
        LocalFarm farm = startOrExit(config(opts));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            farm.close();
            stopped.countDown();
        }, "local-farm-main-shutdown"));
        System.out.println(farm.describe());
        System.out.println("Ready. Ctrl-C stops the farm (data stays in " + farm.home() + ").");
        System.out.flush();
        stopped.await();
    }

    static void quietLogging() {
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    }

    static LocalFarm startOrExit(LocalFarm.Config cfg) {
        try {
            return LocalFarm.start(cfg);
        } catch (Exception e) {
            System.err.println("sdfarm: " + e.getMessage());
            System.exit(1);
            return null;
        }
    }

    /** Options with a value, and flags; anything else prints the usage. */
    static Map<String, String> parse(String[] args, Set<String> valued, Set<String> flags, Runnable usage) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                v = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (flags.contains(a)) {
                m.put(a, "true");
            } else if (valued.contains(a)) {
                if (v == null) {
                    if (i + 1 >= args.length) {
                        System.err.println("missing value for " + a);
                        usage.run();
                    }
                    v = args[++i];
                }
                m.put(a, v);
            } else {
                if (!a.equals("-h") && !a.equals("--help")) {
                    System.err.println("unknown option " + a);
                }
                usage.run();
            }
        }
        return m;
    }

    static LocalFarm.Config config(Map<String, String> o) {
        Path home = Path.of(o.getOrDefault("--home", ".sdfarm"));
        Path gw = Path.of(required(o.getOrDefault("--gateway-jar", System.getProperty("sdfarm.gateway.jar")),
                "--gateway-jar (or -Dsdfarm.gateway.jar)"));
        Path wk = Path.of(required(o.getOrDefault("--worker-jar", System.getProperty("sdfarm.worker.jar")),
                "--worker-jar (or -Dsdfarm.worker.jar)"));
        LocalFarm.Config c = LocalFarm.Config.of(home, gw, wk);
        String envPort = System.getenv("SDFARM_GATEWAY_PORT");
        int port = Integer.parseInt(o.getOrDefault("--port", envPort != null && !envPort.isBlank() ? envPort
                : Integer.toString(LocalFarm.DEFAULT_GATEWAY_PORT)));
        int webui = Integer.parseInt(o.getOrDefault("--webui-port", Integer.toString(LocalFarm.DEFAULT_WEBUI_PORT)));
        c = c.withPorts(port, webui);
        LocalInfra.Config i = c.infra();
        c = c.withInfra(i.withPorts(Integer.parseInt(o.getOrDefault("--postgres-port", "" + i.postgresPort())),
                Integer.parseInt(o.getOrDefault("--kafka-port", "" + i.kafkaPort())),
                Integer.parseInt(o.getOrDefault("--kafka-controller-port", "" + i.kafkaControllerPort()))));
        String role = o.getOrDefault("--loopback-role", "SUBMITTER").toUpperCase(java.util.Locale.ROOT);
        if (!List.of("SUBMITTER", "OPERATOR", "ADMIN", "NONE").contains(role)) {
            throw new IllegalArgumentException("--loopback-role: SUBMITTER, OPERATOR, ADMIN or none");
        }
        c = c.withLoopbackRole(role.equals("NONE") ? null : role);
        if (o.containsKey("--worker-heap")) {
            c = c.withHeaps(c.gatewayHeap(), o.get("--worker-heap"));
        }
        return c;
    }

    private static String required(String v, String what) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing " + what);
        }
        return v;
    }

    private static void usage() {
        System.err.println("""
                usage: LocalFarmMain [--home DIR] [--port N] [--webui-port N|-1] [--loopback-role ROLE|none]
                                     [--worker-heap SIZE] [--postgres-port N] [--kafka-port N]
                                     [--kafka-controller-port N] [--gateway-jar FILE] [--worker-jar FILE]
                  defaults: ./.sdfarm, $SDFARM_GATEWAY_PORT or 8080, 7860, SUBMITTER, 3g, 55432, 19092, 19093""");
        System.exit(2);
    }
}
