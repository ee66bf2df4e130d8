package dev.sdfarm.converter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.json.StrictJson;
import dev.sdfarm.diffusion.clip.ClipTextEncoder;
import dev.sdfarm.diffusion.clip.PromptConditioner;
import dev.sdfarm.diffusion.clip.PromptConditioning;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.text.ClipTokenizer;
import dev.sdfarm.diffusion.text.PromptChunker;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sdfarm tokenize} and {@code sdfarm encode} as users run them. */
@QuarkusMainTest
class PromptCliTest {
    @TempDir
    Path dir;

    @Test
    void tokenizePrintsTheIdsOfEachChunkWithoutPadding(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("tokenize", "a photo of a cat");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        assertEquals("[49406, 320, 1125, 539, 320, 2368, 49407]", r.getOutput().strip());
        LaunchResult two = launcher.launch("tokenize", "a cat BREAK a dog");
        assertEquals(List.of("[49406, 320, 2368, 49407]", "[49406, 320, 1929, 49407]"), two.getOutput().lines().toList());
    }

    @Test
    void tokenizeJsonHasFullChunksWeightsAndExtraNetworks(QuarkusMainLauncher launcher) {
        LaunchResult r = launcher.launch("tokenize", "<lora:detail:0.8> (castle:1.5)", "--json");
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        Map<?, ?> json = (Map<?, ?>) StrictJson.parse(r.getOutput().getBytes(StandardCharsets.UTF_8));
        List<?> chunks = (List<?>) json.get("chunks");
        assertEquals(1, chunks.size());
        List<?> tokens = (List<?>) ((Map<?, ?>) chunks.getFirst()).get("tokens");
        List<?> weights = (List<?>) ((Map<?, ?>) chunks.getFirst()).get("weights");
        assertEquals(77, tokens.size());
        assertEquals(1.5, ((Number) weights.get(1)).doubleValue());
        Map<?, ?> tag = (Map<?, ?>) ((List<?>) json.get("extra_networks")).getFirst();
        assertEquals("lora", tag.get("type"));
        assertEquals("detail", tag.get("name"));
    }

    @Test
    void encodeWritesCondAndUncondEqualToTheLibrarysConditioning(QuarkusMainLauncher launcher) throws IOException {
        Path model = tiny(launcher);
        Path out = dir.resolve("cond.safetensors");
        LaunchResult r = launcher.launch("encode", "--model", model.toString(), "--prompt", "a (red:1.3) fox",
                "--negative-prompt", "blurry", "--clip-skip", "2", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.getErrorOutput());
        assertTrue(r.getOutput().contains("cond [1, 77, 64]") && r.getOutput().contains("uncond [1, 77, 64]"),
                r.getOutput());
        PromptConditioning expected;
        try (Checkpoint cp = Checkpoint.open(model); CpuBackend cpu = new CpuBackend(1, true)) {
            expected = new PromptConditioner(new PromptChunker(ClipTokenizer.load()), ClipTextEncoder.load(cpu, cp))
                    .condition("a (red:1.3) fox", "blurry", 2, true);
        }
        try (Checkpoint written = Checkpoint.open(out)) {
            assertArrayEquals(expected.cond().values(), floats(written, "cond", new long[] {1, 77, 64}));
            assertArrayEquals(expected.negative().values(), floats(written, "uncond", new long[] {1, 77, 64}));
            assertEquals("2", written.metadata().get("sdfarm.clip_skip"));
            assertEquals("a (red:1.3) fox", written.metadata().get("sdfarm.prompt"));
        }
    }

    @Test
    void encodeRefusesBadArgumentsAndModelsWithoutATextEncoderLeavingNoOutput(QuarkusMainLauncher launcher)
            throws IOException {
        Path model = tiny(launcher);
        Path out = dir.resolve("cond.safetensors");
        LaunchResult zero = launcher.launch("encode", "--model", model.toString(), "--prompt", "x", "--clip-skip", "0",
                "-o", out.toString());
        assertEquals(1, zero.exitCode());
        LaunchResult deep = launcher.launch("encode", "--model", model.toString(), "--prompt", "x", "--clip-skip", "13",
                "-o", out.toString());
        assertEquals(1, deep.exitCode());
        assertTrue(deep.getErrorOutput().contains("12 layers"), deep.getErrorOutput());
        assertEquals(0, launcher.launch("encode", "--model", model.toString(), "--prompt", "x", "-o", out.toString(),
                "-q").exitCode());
        LaunchResult notAModel = launcher.launch("encode", "--model", out.toString(), "--prompt", "x", "-o",
                dir.resolve("again.safetensors").toString());
        assertEquals(2, notAModel.exitCode());
        assertTrue(notAModel.getErrorOutput().contains("token_embedding"), notAModel.getErrorOutput());
        LaunchResult exists = launcher.launch("encode", "--model", model.toString(), "--prompt", "x", "-o", out.toString());
        assertEquals(1, exists.exitCode());
        assertTrue(exists.getErrorOutput().contains("--force"), exists.getErrorOutput());
        LaunchResult missing = launcher.launch("encode", "--model", dir.resolve("nope.safetensors").toString(),
                "--prompt", "x", "-o", dir.resolve("n.safetensors").toString());
        assertEquals(4, missing.exitCode());
        try (var files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".partial")
                    || p.getFileName().toString().equals("again.safetensors")));
        }
    }

    private Path tiny(QuarkusMainLauncher launcher) {
        Path p = dir.resolve("tiny.safetensors");
        assertEquals(0, launcher.launch("synth", p.toString(), "--preset", "tiny", "--dtype", "fp16", "-q").exitCode());
        return p;
    }

    private static float[] floats(Checkpoint cp, String name, long[] shape) throws IOException {
        StoredTensor t = cp.tensor(name).orElseThrow();
        assertArrayEquals(shape, t.shape(), name);
        ByteBuffer b = ByteBuffer.wrap(cp.readAll(t)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
