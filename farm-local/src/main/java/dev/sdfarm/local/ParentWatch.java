package dev.sdfarm.local;

import java.io.IOException;
import java.io.InputStream;

/**
 * A Java agent ({@code -javaagent:parent-watch.jar}) that {@link LocalFarm} puts into the gateway and worker JVMs
 * so they never outlive the supervisor. Same idea as {@link BrokerMain}'s watchdog: the child's standard input is
 * a pipe whose write end only the supervisor holds and never writes to; when the supervisor dies, however it dies
 * ({@code kill -9} included), the kernel closes that end, the read returns end-of-file and the child exits through
 * {@code System.exit}, so Quarkus shuts down cleanly (the JVM halts if that takes longer than 30 s).
 *
 * <p>An agent, rather than a wrapper main class, so the services still start as {@code java -jar quarkus-run.jar}.
 * It is one self-contained class: {@link LocalFarm} copies its class file into a jar under the farm's home at
 * every start.
 */
public final class ParentWatch {
    private static final long ORPHAN_HALT_AFTER_S = 30;

    private ParentWatch() {}

    public static void premain(String args) {
        String name = args == null || args.isBlank() ? "sdfarm service" : args;
        Thread.ofPlatform().daemon().name("sdfarm-parent-watch").start(() -> {
            byte[] buf = new byte[64];
            try (InputStream in = System.in) {
                while (in.read(buf) >= 0) {
                    // the supervisor never writes; anything read is ignored
                }
            } catch (IOException ignored) {
                // treated like end-of-file
            }
            System.err.println("sdfarm: the supervisor is gone (stdin closed); stopping " + name);
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
