package dev.sdfarm.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalKafkaTest {
    private static final List<String> VALUES = List.of("one", "two", "three");

    @Test
    void formatsOnceRoundTripsAndKeepsMessagesAcrossRestart(@TempDir Path home) throws Exception {
        int port;
        int controllerPort;
        String clusterId;
        ProcessHandle first;
        try (LocalKafka kafka = LocalKafka.start(home)) {
            assertTrue(kafka.formattedOnStart());
            port = kafka.port();
            controllerPort = kafka.controllerPort();
            clusterId = kafka.clusterId();
            first = kafka.process();
            Clients.produce(kafka.bootstrapServers(), "jobs", VALUES);
            assertEquals(VALUES, Clients.consume(kafka.bootstrapServers(), "jobs", "g1", 3, Duration.ofSeconds(30)));
        }
        assertGone(first);
        assertEquals(clusterId, metaClusterId(home));
        String log = Files.readString(home.resolve("broker.log"));
        assertTrue(log.contains("KafkaConfig values"), "broker logs through log4j2 into its log file");
        assertTrue(Files.exists(home.resolve("lib/dev/sdfarm/local/BrokerMain.class")), "child entry point installed");

        try (LocalKafka kafka = LocalKafka.start(LocalKafka.Config.of(home).withPorts(port, controllerPort))) {
            assertFalse(kafka.formattedOnStart(), "storage formatted only on the first start");
            assertEquals(clusterId, kafka.clusterId());
            assertEquals(VALUES, Clients.consume(kafka.bootstrapServers(), "jobs", "g2", 3, Duration.ofSeconds(30)),
                    "messages survive a restart");
            first = kafka.process();
        }
        assertGone(first);
        assertFalse(Files.exists(home.resolve("broker.pid")));
        assertEquals(clusterId, metaClusterId(home), "cluster id kept");
    }

    @Test
    void brokerThatCannotBindFailsNamingItsLog(@TempDir Path home) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            LocalKafka.Config cfg = LocalKafka.Config.of(home).withPorts(taken.getLocalPort(), 0)
                    .withStartTimeout(Duration.ofSeconds(60));
            IOException e = assertThrows(IOException.class, () -> LocalKafka.start(cfg));
            Path log = home.resolve("broker.log");
            assertTrue(e.getMessage().contains(log.toString()), e.getMessage());
            assertTrue(Files.readString(log).contains("Address already in use"), "the log says why");
        }
        assertTrue(ProcessHandle.allProcesses().noneMatch(h -> h.info().commandLine()
                .map(c -> c.contains(BrokerMain.class.getName()) && c.contains(home.toString())).orElse(false)),
                "no broker process left");
    }

    @Test
    void brokerStopsWhenItsParentIsKilled(@TempDir Path home) throws Exception {
        Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OrphanParent.class.getName(), home.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .start();
        try {
            long brokerPid = -1;
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("BROKER ")) {
                        brokerPid = Long.parseLong(line.substring(7).trim());
                        break;
                    }
                }
            }
            assertTrue(brokerPid > 0, "the parent started a broker");
            ProcessHandle broker = ProcessHandle.of(brokerPid).orElseThrow();
            parent.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
            parent.waitFor(10, TimeUnit.SECONDS);
            broker.onExit().get(45, TimeUnit.SECONDS);
            assertFalse(broker.isAlive());
            assertTrue(Files.readString(home.resolve("broker.log")).contains("parent process is gone"));
        } finally {
            parent.destroyForcibly();
        }
    }

    private static void assertGone(ProcessHandle h) {
        assertFalse(h.isAlive(), "broker process " + h.pid() + " stopped");
        assertTrue(h.descendants().findAny().isEmpty());
    }

    private static String metaClusterId(Path home) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(home.resolve("data/meta.properties"))) {
            p.load(in);
        }
        return p.getProperty("cluster.id");
    }
}
