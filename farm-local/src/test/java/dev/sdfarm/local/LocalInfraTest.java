package dev.sdfarm.local;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalInfraTest {

    @Test
    void startsBothUnderOneHomeAndStopsBoth(@TempDir Path home) throws Exception {
        ProcessHandle broker;
        try (LocalInfra infra = LocalInfra.start(LocalInfra.Config.of(home).withPorts(0, 0, 0))) {
            broker = infra.kafka().process();
            String text = infra.describe();
            assertTrue(text.contains(infra.postgres().jdbcUrl()), text);
            assertTrue(text.contains(infra.kafka().bootstrapServers()), text);
            assertEquals(home.resolve("postgres"), infra.postgres().dataDirectory());
            assertEquals(home.resolve("kafka"), infra.kafka().home());
            try (Connection c = infra.postgres().connect()) {
                assertTrue(c.isValid(5));
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    infra.kafka().bootstrapServers()))) {
                assertEquals(infra.kafka().clusterId(), admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS));
            }
        }
        assertFalse(broker.isAlive());
        assertFalse(Files.exists(home.resolve("postgres/postmaster.pid")), "PostgreSQL stopped");
    }
}
