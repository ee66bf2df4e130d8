package dev.sdfarm.checkpoint.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.TestBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AtomicOutputFileTest {
    @TempDir
    Path dir;

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4095, 4096, 8 << 20, (8 << 20) + 13, 3 * (8 << 20) + 4097})
    void committedFileHasExactlyTheWrittenBytesAndTheirSha256(int size) throws Exception {
        byte[] data = TestBytes.lcg(size, size);
        Path out = dir.resolve("out.bin");
        String sha;
        try (AtomicOutputFile f = AtomicOutputFile.create(out, false)) {
            // Odd-sized writes exercise buffer boundaries.
            for (int pos = 0; pos < size; pos += 777_777) {
                f.sink().write(ByteBuffer.wrap(data, pos, Math.min(777_777, size - pos)));
            }
            sha = f.commit();
        }
        assertArrayEquals(data, Files.readAllBytes(out));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)), sha);
        assertEquals(List.of(out), listing());
    }

    @Test
    void closingWithoutCommitLeavesNothing() throws IOException {
        Path out = dir.resolve("out.bin");
        try (AtomicOutputFile f = AtomicOutputFile.create(out, false)) {
            f.sink().write(ByteBuffer.wrap(TestBytes.lcg(20 << 20, 1)));
        }
        assertEquals(List.of(), listing());
    }

    @Test
    void refusesExistingTargetUnlessOverwriting() throws IOException {
        Path out = dir.resolve("out.bin");
        Files.writeString(out, "old");
        assertThrows(OutputExistsException.class, () -> AtomicOutputFile.create(out, false));
        try (AtomicOutputFile f = AtomicOutputFile.create(out, true)) {
            f.sink().write(ByteBuffer.wrap("new".getBytes()));
            f.commit();
        }
        assertEquals("new", Files.readString(out));
    }

    @Test
    void doesNotReplaceATargetThatAppearedWhileWriting() throws IOException {
        Path out = dir.resolve("out.bin");
        try (AtomicOutputFile f = AtomicOutputFile.create(out, false)) {
            f.sink().write(ByteBuffer.wrap("new".getBytes()));
            Files.writeString(out, "someone else's");
            assertThrows(OutputExistsException.class, f::commit);
        }
        assertEquals("someone else's", Files.readString(out));
        assertEquals(List.of(out), listing());
    }

    @Test
    void bufferedFallbackWritesTheSameBytes() throws IOException {
        System.setProperty("sdfarm.io.noDirect", "true");
        try {
            byte[] data = TestBytes.lcg(5000, 3);
            Path out = dir.resolve("out.bin");
            try (AtomicOutputFile f = AtomicOutputFile.create(out, false)) {
                assertFalse(f.isDirect());
                f.sink().write(ByteBuffer.wrap(data));
                f.commit();
            }
            assertArrayEquals(data, Files.readAllBytes(out));
        } finally {
            System.clearProperty("sdfarm.io.noDirect");
        }
        assertTrue(Files.exists(dir.resolve("out.bin")));
    }
}
