package dev.sdfarm.checkpoint.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.TestBytes;
import dev.sdfarm.checkpoint.json.StrictJson;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelHashesTest {
    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    private static Map<String, String> expected(String name) {
        return ((Map<String, Map<String, String>>) StrictJson.parse(
                TestBytes.resource("safetensors/expected-hashes.json"))).get(name);
    }

    @Test
    void computesSha256AutoV2AndLegacyHashLikeHashlib() throws IOException {
        Path p = dir.resolve("raw.bin");
        Files.write(p, TestBytes.lcg(0x100000 + 0x8000, 42));
        Map<String, String> want = expected("lcg-42-1081344.bin");
        try (FileChannel ch = FileChannel.open(p)) {
            ModelHashes h = ModelHashes.compute(ch, ch.size(), -1, null);
            assertEquals(ModelHashes.fromSha256(want.get("sha256"), want.get("legacy")), h);
            assertEquals(want.get("autoV2"), h.autoV2());
        }
    }

    @Test
    void computesTensorHashAndAutoV3ForSafetensors() throws IOException {
        Path p = TestBytes.resourceFile("safetensors/small.safetensors", dir);
        Map<String, String> want = expected("small.safetensors");
        try (Checkpoint cp = Checkpoint.open(p)) {
            ModelHashes h = ModelHashes.compute(cp.channel(), cp.fileSize(), cp.dataStart(), null);
            assertEquals(want.get("sha256"), h.sha256());
            assertEquals(want.get("legacy"), h.legacy());
            assertEquals(want.get("tensorSha256"), h.tensorSha256());
            assertEquals(want.get("autoV3"), h.autoV3());
        }
    }
}
