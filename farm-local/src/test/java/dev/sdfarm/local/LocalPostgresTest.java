package dev.sdfarm.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalPostgresTest {

    @Test
    void persistentClusterKeepsRowsAcrossRestart(@TempDir Path home) throws Exception {
        Path data = home.resolve("postgres");
        int port;
        try (LocalPostgres pg = LocalPostgres.startPersistent(data, 0)) {
            port = pg.port();
            assertTrue(pg.jdbcUrl().endsWith(":" + port + "/sdfarm"), pg.jdbcUrl());
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE job (id int PRIMARY KEY, prompt text NOT NULL)");
                s.execute("INSERT INTO job VALUES (1, 'a cat'), (2, 'a dog'), (3, 'a fox')");
                try (ResultSet rs = s.executeQuery("SELECT current_database(), current_user")) {
                    assertTrue(rs.next());
                    assertEquals("sdfarm", rs.getString(1));
                    assertEquals("postgres", rs.getString(2));
                }
            }
        }
        assertFalse(Files.exists(data.resolve("postmaster.pid")), "server stopped cleanly");
        assertTrue(Files.exists(data.resolve("PG_VERSION")), "data directory kept");
        assertTrue(Files.size(home.resolve("postgres.log")) > 0, "server log written");

        try (LocalPostgres pg = LocalPostgres.startPersistent(data, port);
             Connection c = pg.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), string_agg(prompt, ',' ORDER BY id) FROM job")) {
            assertEquals(port, pg.port());
            assertTrue(rs.next());
            assertEquals(3, rs.getInt(1));
            assertEquals("a cat,a dog,a fox", rs.getString(2));
            try (Statement durability = c.createStatement();
                 ResultSet sc = durability.executeQuery("SHOW synchronous_commit")) {
                assertTrue(sc.next());
                assertEquals("on", sc.getString(1), "a commit is on disk before it is acknowledged");
            }
        }
    }

    @Test
    void ephemeralServerDeletesItsDataOnClose() throws Exception {
        Path data;
        try (LocalPostgres pg = LocalPostgres.startEphemeral()) {
            data = pg.dataDirectory();
            assertTrue(pg.isEphemeral());
            assertTrue(Files.exists(data.resolve("PG_VERSION")));
            try (Connection c = pg.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE t (x int)");
                s.execute("INSERT INTO t VALUES (42)");
                try (ResultSet rs = s.executeQuery("SELECT x FROM t")) {
                    assertTrue(rs.next());
                    assertEquals(42, rs.getInt(1));
                }
            }
        }
        assertFalse(Files.exists(data), "ephemeral data directory deleted: " + data);
    }
}
