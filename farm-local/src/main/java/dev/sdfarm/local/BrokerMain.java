package dev.sdfarm.local;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Entry point of the child broker JVM started by {@link LocalKafka}:
 * {@code BrokerMain [--format CLUSTER_ID] server.properties}.
 *
 * <p>It formats the storage first when asked ({@code kafka.tools.StorageTool format}, in this JVM, which saves a
 * JVM start), then runs {@code kafka.Kafka}. A watchdog thread reads standard input, a pipe whose other end only
 * the parent JVM holds: when the parent dies, however it dies ({@code kill -9} included), the kernel closes that
 * end, the read returns end-of-file and the broker shuts down through its own shutdown hook (so its logs are
 * flushed and the next start needs no recovery). That needs no polling and cannot be fooled by a reused pid.
 */
public final class BrokerMain {
    /** Seconds the broker gets for a clean shutdown after its parent is gone, before the JVM halts. */
    private static final long ORPHAN_HALT_AFTER_S = 30;

    private BrokerMain() {}

    public static void main(String[] args) {
        String[] rest = args;
        String formatClusterId = null;
        if (rest.length >= 2 && rest[0].equals("--format")) {
            formatClusterId = rest[1];
            rest = Arrays.copyOfRange(rest, 2, rest.length);
        }
        if (rest.length != 1) {
            System.err.println("usage: BrokerMain [--format CLUSTER_ID] server.properties");
            System.exit(2);
        }
        watchParent();
        if (formatClusterId != null) {
            int rc;
            try {
                rc = kafka.tools.StorageTool.execute(
                        new String[] {"format", "-t", formatClusterId, "-c", rest[0]}, System.out);
            } catch (Throwable t) {
                t.printStackTrace();
                rc = 1;
            }
            if (rc != 0) {
                System.err.println("sdfarm: formatting the broker storage failed (exit code " + rc + ")");
                System.exit(3);
            }
        }
        kafka.Kafka.main(rest);
    }

    private static void watchParent() {
        Thread.ofPlatform().daemon().name("sdfarm-parent-watch").start(() -> {
            byte[] buf = new byte[64];
            try (InputStream in = System.in) {
                while (in.read(buf) >= 0) {
                    // the parent never writes; anything read is ignored
                }
            } catch (IOException ignored) {
                // treated like end-of-file
            }
            System.err.println("sdfarm: the parent process is gone (stdin closed); shutting the broker down");
            Thread.ofPlatform().daemon().name("sdfarm-orphan-halt").start(() -> {
                try {
                    Thread.sleep(ORPHAN_HALT_AFTER_S * 1000);
                } catch (InterruptedException ignored) {
                    // halt now
                }
                Runtime.getRuntime().halt(1);
            });
            System.exit(0);
        });
    }
}
