package dev.sdfarm.checkpoint.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.TestBytes;
import dev.sdfarm.checkpoint.hash.ModelHashes;
import dev.sdfarm.checkpoint.io.AtomicOutputFile;
import dev.sdfarm.checkpoint.json.StrictJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    private static byte[] toBytes(List<OutputTensor> tensors, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(tensors, metadata, b -> {
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            out.write(chunk);
        });
        return out.toByteArray();
    }

    @Test
    void writesTheSameBytesAsTheIndependentWriter() throws IOException {
        byte[] expected = TestBytes.resource("safetensors/small.safetensors");
        List<OutputTensor> copies = new ArrayList<>();
        Map<String, String> metadata;
        Path p = dir.resolve("small.safetensors");
        Files.write(p, expected);
        try (Checkpoint cp = Checkpoint.open(p)) {
            metadata = new LinkedHashMap<>(cp.metadata());
            for (StoredTensor t : cp.tensors()) {
                copies.add(InMemoryTensorData.tensor(t.name(), t.dtype(), t.shape(), cp.readAll(t)));
            }
        }
        // Input order must not matter.
        java.util.Collections.reverse(copies);
        assertArrayEquals(expected, toBytes(copies, metadata));
    }

    @Test
    void largeFileThroughAtomicOutputMatchesIndependentHashes() throws IOException {
        List<OutputTensor> tensors = List.of(
                InMemoryTensorData.tensor("b", DType.F16, new long[] {1000}, TestBytes.lcg(2000, 8)),
                InMemoryTensorData.tensor("a", DType.F32, new long[] {300000}, TestBytes.lcg(1200000, 7)));
        Path out = dir.resolve("big.safetensors");
        String sha;
        try (AtomicOutputFile f = AtomicOutputFile.create(out, false)) {
            SafetensorsWriter.write(tensors, Map.of(), f.sink());
            sha = f.commit();
        }
        @SuppressWarnings("unchecked")
        Map<String, Map<String, String>> expected = (Map<String, Map<String, String>>) StrictJson.parse(
                TestBytes.resource("safetensors/expected-hashes.json"));
        Map<String, String> want = expected.get("big.safetensors");
        assertEquals(want.get("sha256"), sha);
        try (Checkpoint cp = Checkpoint.open(out)) {
            ModelHashes h = ModelHashes.compute(cp.channel(), cp.fileSize(), cp.dataStart(), null);
            assertEquals(new ModelHashes(want.get("sha256"), want.get("autoV2"), want.get("legacy"),
                    want.get("tensorSha256"), want.get("autoV3")), h);
        }
    }

    @Test
    void padsHeaderToEightBytesWithSpaces() {
        byte[] h = SafetensorsWriter.headerBytes(
                List.of(InMemoryTensorData.tensor("x", DType.U8, new long[] {1}, new byte[] {7})), Map.of());
        assertEquals(0, (h.length - 8) % 8);
        String json = new String(h, 8, h.length - 8, StandardCharsets.UTF_8);
        assertEquals(json.strip() + " ".repeat(json.length() - json.strip().length()), json);
    }
}
