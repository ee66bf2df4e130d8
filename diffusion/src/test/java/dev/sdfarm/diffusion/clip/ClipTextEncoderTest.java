package dev.sdfarm.diffusion.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.TestCheckpoints;
import dev.sdfarm.diffusion.ModelLoadException;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The text encoder against Hugging Face {@code CLIPTextModel} run on the same tiny SD1 checkpoint (fixtures and
 * their provenance in {@code src/test/fixtures/clip}), for both clip-skip values and fp32 and fp16 weights.
 */
class ClipTextEncoderTest {

    @ParameterizedTest(name = "{0} weights, clip skip {1}, vectors {2}")
    @CsvSource({"FP32, 1, true", "FP32, 2, true", "FP16, 1, true", "FP16, 2, true", "FP32, 1, false",
        "FP32, 2, false"})
    void hiddenStatesMatchTransformersWithin1e4(ClipFixtures.Precision precision, int clipSkip, boolean vectors)
            throws IOException {
        List<ClipFixtures.EncoderReference> refs = ClipFixtures.encoder(precision);
        try (Checkpoint cp = Checkpoint.open(ClipFixtures.checkpoint(precision));
             CpuBackend cpu = new CpuBackend(2, vectors)) {
            ClipTextEncoder encoder = ClipTextEncoder.load(cpu, cp);
            int[][] tokens = refs.stream().map(ClipFixtures.EncoderReference::tokens).toArray(int[][]::new);
            Tensor z = encoder.encode(tokens, clipSkip);
            assertEquals(Shape.of(refs.size(), 77, 64), z.shape());
            float[] all = cpu.toFloats(z);
            double worst = 0;
            for (int i = 0; i < refs.size(); i++) {
                float[] got = ClipFixtures.rows(all, i * 77, (i + 1) * 77);
                double err = ClipFixtures.maxAbsDiff(refs.get(i).forClipSkip(clipSkip), got);
                worst = Math.max(worst, err);
                assertTrue(err <= ClipFixtures.TOLERANCE, "sequence " + i + " (" + refs.get(i).description()
                        + "): max abs error " + err);
            }
            System.out.printf("text encoder, %s weights, clip skip %d: max abs error %.2e over %d sequences%n",
                    precision, clipSkip, worst, refs.size());
        }
    }

    @Test
    void sequencesEncodedAloneEqualTheSameSequencesInABatch() throws IOException {
        List<ClipFixtures.EncoderReference> refs = ClipFixtures.encoder(ClipFixtures.Precision.FP32);
        try (Checkpoint cp = Checkpoint.open(ClipFixtures.checkpoint()); CpuBackend cpu = new CpuBackend(1, true)) {
            ClipTextEncoder encoder = ClipTextEncoder.load(cpu, cp);
            float[] batch = cpu.toFloats(encoder.encode(new int[][] {refs.get(1).tokens(), refs.get(2).tokens()}, 1));
            float[] alone = cpu.toFloats(encoder.encode(new int[][] {refs.get(2).tokens()}, 1));
            assertEquals(0.0, ClipFixtures.maxAbsDiff(ClipFixtures.rows(batch, 77, 154), alone));
        }
    }

    @Test
    void configComesFromTheTinyPresetAndClipSkipIsBounded() throws IOException {
        try (Checkpoint cp = Checkpoint.open(ClipFixtures.checkpoint()); CpuBackend cpu = new CpuBackend(1, true)) {
            ClipTextEncoder encoder = ClipTextEncoder.load(cpu, cp);
            assertEquals(4, encoder.config().numHeads());
            assertEquals(12, encoder.config().numLayers());
            int[][] tokens = {ClipFixtures.encoder(ClipFixtures.Precision.FP32).getFirst().tokens()};
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(tokens, 0));
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(tokens, 13));
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(new int[][] {{49406, 50000}}, 1));
        }
    }

    @Test
    void olderExportsWithoutTheTextModelLevelAndCkptFilesEncodeTheSame(@TempDir Path dir) throws IOException {
        Path legacy = TestCheckpoints.editTensors(ClipFixtures.checkpoint(), dir.resolve("legacy.safetensors"),
                t -> new OutputTensor(t.name().replace("transformer.text_model.", "transformer."), t.shape(),
                        t.storage(), t.storageOffset(), t.strides()), Map.of());
        Path ckpt = TestCheckpoints.tiny(dir, "tiny.ckpt", CheckpointFormat.TORCH_ZIP, false, false, ClipFixtures.SEED);
        int[][] tokens = {ClipFixtures.encoder(ClipFixtures.Precision.FP32).get(1).tokens()};
        float[] expected = encode(ClipFixtures.checkpoint(), tokens);
        assertEquals(0.0, ClipFixtures.maxAbsDiff(expected, encode(legacy, tokens)), "legacy key layout");
        assertEquals(0.0, ClipFixtures.maxAbsDiff(expected, encode(ckpt, tokens)), ".ckpt");
    }

    private static float[] encode(Path model, int[][] tokens) throws IOException {
        try (Checkpoint cp = Checkpoint.open(model); CpuBackend cpu = new CpuBackend(1, true)) {
            return cpu.toFloats(ClipTextEncoder.load(cpu, cp).encode(tokens, 2));
        }
    }

    @Test
    void aCheckpointWithoutATextEncoderIsAModelErrorNamingTheKey(@TempDir Path dir) throws IOException {
        Path vaeOnly = dir.resolve("kernels.safetensors");
        Files.copy(Path.of(ClipFixtures.resource("encoder-tokens.safetensors").toString()), vaeOnly);
        try (Checkpoint cp = Checkpoint.open(vaeOnly); CpuBackend cpu = new CpuBackend(1, true)) {
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> ClipTextEncoder.load(cpu, cp));
            assertTrue(e.getMessage().contains("cond_stage_model.transformer.embeddings.token_embedding.weight"),
                    e.getMessage());
        }
    }
}
