package dev.sdfarm.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TestBytes;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsReaderTest {
    @TempDir
    Path dir;

    private Path file(String header, int dataBytes) throws IOException {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    private Path file(byte[] header, int dataBytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path p = Files.createTempFile(dir, "t", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private CheckpointException rejected(Path p, String expectedMessagePart) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(p).close());
        assertTrue(e.getMessage().contains(expectedMessagePart),
                "expected '" + expectedMessagePart + "' in: " + e.userMessage());
        assertTrue(e.userMessage().startsWith(p.toString() + ": "), e.userMessage());
        return e;
    }

    @Test
    void readsFileWrittenByIndependentWriterZeroCopy() throws IOException {
        Path p = TestBytes.resourceFile("safetensors/small.safetensors", dir);
        try (Checkpoint cp = Checkpoint.open(p)) {
            assertEquals(CheckpointFormat.SAFETENSORS, cp.format());
            assertEquals(Map.of("format", "pt", "note", "fixtures ☃"), cp.metadata());
            assertEquals(8, cp.tensors().size());
            StoredTensor w = cp.tensor("model.w").orElseThrow();
            assertEquals(DType.F32, w.dtype());
            assertArrayEquals(new long[] {2, 3}, w.shape());
            MemorySegment seg = cp.segment(w);
            ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            assertEquals(3.5f, seg.getAtIndex(f32, 2));
            assertEquals(65504f, seg.getAtIndex(f32, 5));
            assertEquals(DType.BF16, cp.tensor("model.b").orElseThrow().dtype());
            assertArrayEquals(new long[] {0, 4}, cp.tensor("empty").orElseThrow().shape());
            assertArrayEquals(new long[] {}, cp.tensor("scalar").orElseThrow().shape());
            assertArrayEquals(new byte[] {1, 2, 3}, cp.readAll(cp.tensor("ünï.cødé").orElseThrow()));
            // File order is data order: the writer sorted by element size, then name.
            assertEquals(List.of("ids", "scalar", "model.w", "model.b", "model.h", "empty", "flag", "ünï.cødé")
                    .stream().sorted().toList(), cp.names().stream().sorted().toList());
            assertEquals("scalar", cp.tensors().get(1).name());
        }
    }

    @Test
    void rejectsHeaderLengthBeyondFile() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).put("{}      ".getBytes());
        Path p = dir.resolve("short.safetensors");
        Files.write(p, b.array());
        rejected(p, "runs past the end");
    }

    @Test
    void rejectsHeaderOver100MB() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100_000_001L).put("{}      ".getBytes());
        Path p = dir.resolve("huge.safetensors");
        Files.write(p, b.array());
        rejected(p, "exceeds");
        ByteBuffer neg = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8).put("{}      ".getBytes());
        Files.write(p, neg.array());
        rejected(p, "exceeds");
    }

    @Test
    void rejectsInvalidJson() throws IOException {
        rejected(file("{\"a\":{\"dtype\":\"F32\",}", 0), "invalid header JSON");
        rejected(file("{\"a\" 1}", 0), "invalid header JSON");
    }

    @Test
    void rejectsInvalidUtf8InHeader() throws IOException {
        byte[] h = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.UTF_8);
        h[2] = (byte) 0xC3; // start of a two-byte sequence followed by '"' (invalid)
        rejected(file(h, 4), "UTF-8");
    }

    @Test
    void rejectsUnknownDtype() throws IOException {
        CheckpointException e = rejected(file("{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16),
                "unknown dtype");
        assertEquals("tensor \"a\"", e.where());
    }

    @Test
    void rejectsShapeThatDisagreesWithByteSize() throws IOException {
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 12), "needs 16 bytes");
    }

    @Test
    void rejectsOffsetsOutOfBounds() throws IOException {
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "past the end");
    }

    @Test
    void rejectsOverlappingData() throws IOException {
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlaps");
    }

    @Test
    void rejectsUnorderedOffsets() throws IOException {
        rejected(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4), "before begin");
    }

    @Test
    void rejectsHoles() throws IOException {
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "hole");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8), "belong to no tensor");
    }

    @Test
    void rejectsNonStringMetadataValues() throws IOException {
        rejected(file("{\"__metadata__\":{\"a\":1}}", 0), "not a string");
        rejected(file("{\"__metadata__\":[\"a\"]}", 0), "not an object");
    }

    @Test
    void rejectsDuplicateKeys() throws IOException {
        rejected(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2), "duplicate key");
    }

    @Test
    void rejectsMalformedTensorEntries() throws IOException {
        rejected(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", 1), "non-negative");
        rejected(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", 1), "non-negative");
        rejected(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", 1), "pair");
        rejected(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":1}}", 1), "unknown field");
        rejected(file("{\"a\":[1]}", 0), "not an object");
        rejected(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,4294967296],"
                + "\"data_offsets\":[0,1]}}", 1), "too large");
        rejected(file("[]", 0), "start with '{'");
    }

    @Test
    void acceptsEmptyTensorsAndPaddedHeaders() throws IOException {
        Path p = file("{\"a\":{\"dtype\":\"F16\",\"shape\":[0],\"data_offsets\":[0,0]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}     ", 2);
        try (Checkpoint cp = Checkpoint.open(p)) {
            assertEquals(2, cp.tensors().size());
        }
    }

    @Test
    void readsHeadersWhoseLengthBytesLookLikeAPickle() throws IOException {
        // A 640-byte header starts the file with 0x80 0x02, the bytes a protocol 2 pickle starts with.
        String entry = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        Path p = file(entry + " ".repeat(640 - entry.length()), 1);
        try (Checkpoint cp = Checkpoint.open(p)) {
            assertEquals(1, cp.tensors().size());
        }
    }
}
