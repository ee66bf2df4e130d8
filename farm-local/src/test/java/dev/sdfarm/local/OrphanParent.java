package dev.sdfarm.local;

import java.nio.file.Path;

/** A parent JVM for the orphan test: starts a broker under args[0], prints its pid, then waits to be killed. */
public final class OrphanParent {
    private OrphanParent() {}

    public static void main(String[] args) throws Exception {
        LocalKafka kafka = LocalKafka.start(Path.of(args[0]));
        System.out.println("BROKER " + kafka.process().pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
