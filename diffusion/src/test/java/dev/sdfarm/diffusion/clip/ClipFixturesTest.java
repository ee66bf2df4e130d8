package dev.sdfarm.diffusion.clip;

import static dev.sdfarm.diffusion.clip.ClipFixtures.BOS;
import static dev.sdfarm.diffusion.clip.ClipFixtures.CHUNK;
import static dev.sdfarm.diffusion.clip.ClipFixtures.EOS;
import static dev.sdfarm.diffusion.clip.ClipFixtures.HIDDEN;
import static dev.sdfarm.diffusion.clip.ClipFixtures.maxAbsDiff;
import static dev.sdfarm.diffusion.clip.ClipFixtures.rows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.diffusion.clip.ClipFixtures.Conditioning;
import dev.sdfarm.diffusion.clip.ClipFixtures.EncoderReference;
import dev.sdfarm.diffusion.clip.ClipFixtures.PairReference;
import dev.sdfarm.diffusion.clip.ClipFixtures.Precision;
import dev.sdfarm.diffusion.clip.ClipFixtures.PromptReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fixture helper works: the checkpoint is the one the references were made from, and they load as documented. */
class ClipFixturesTest {
    /** References of different inputs or clip skips must differ by far more than the tolerance. */
    private static final double DISTINCT = 100 * ClipFixtures.TOLERANCE;

    @Test
    void checkpointsAreTheOnesTheFixturesWereMadeFrom() throws Exception {
        for (Precision p : Precision.values()) {
            Path cp = ClipFixtures.checkpoint(p);
            assertEquals(p.sha256(), ClipFixtures.sha256(cp), p.name());
            assertSame(cp, ClipFixtures.checkpoint(p), "cached per JVM");
            try (Checkpoint c = Checkpoint.open(cp)) {
                StoredTensor emb = c.tensor(ClipFixtures.TEXT_ENCODER_PREFIX
                        + "text_model.embeddings.token_embedding.weight").orElseThrow();
                assertEquals(p.dtype(), emb.dtype());
                assertArrayEquals(new long[] {49408, HIDDEN}, emb.shape());
                assertTrue(c.tensor(ClipFixtures.TEXT_ENCODER_PREFIX + "text_model.encoder.layers.11.mlp.fc1.weight")
                        .isPresent());
            }
        }
    }

    @Test
    void encoderReferencesLoadWithTheDocumentedShapes() {
        List<EncoderReference> fp32 = ClipFixtures.encoder(Precision.FP32);
        List<EncoderReference> fp16 = ClipFixtures.encoder(Precision.FP16);
        assertEquals(8, fp32.size());
        assertEquals(fp32.size(), fp16.size());
        for (int i = 0; i < fp32.size(); i++) {
            EncoderReference a = fp32.get(i);
            EncoderReference b = fp16.get(i);
            assertNotNull(a.description());
            assertEquals(CHUNK, a.tokens().length);
            assertArrayEquals(a.tokens(), b.tokens(), "same sequences for both precisions");
            assertEquals(CHUNK * HIDDEN, a.skip1().length);
            assertEquals(CHUNK * HIDDEN, a.skip2().length);
            assertFinite(a.skip1());
            assertFinite(a.skip2());
            assertTrue(maxAbsDiff(a.skip1(), a.skip2()) > DISTINCT, "clip skip 1 and 2 differ, sequence " + i);
            // fp16-rounded weights move the outputs, but only a little.
            double d = maxAbsDiff(a.skip1(), b.skip1());
            assertTrue(d > 0 && d < 0.05, "fp16 vs fp32 weights, sequence " + i + ": " + d);
            for (int j = 0; j < i; j++) {
                assertTrue(maxAbsDiff(a.skip1(), fp32.get(j).skip1()) > DISTINCT, "sequences " + j + ", " + i);
            }
        }
        EncoderReference empty = fp32.get(0);
        assertEquals(BOS, empty.tokens()[0]);
        for (int t = 1; t < CHUNK; t++) {
            assertEquals(EOS, empty.tokens()[t]);
        }
    }

    @Test
    void conditioningReferencesLoadWithTheDocumentedShapes() {
        Conditioning c = ClipFixtures.conditioning();
        assertTrue(c.prompts().size() >= 25, "prompts: " + c.prompts().size());
        assertEquals(5, c.pairs().size());
        for (PromptReference p : c.prompts()) {
            assertEquals(List.of(1, 2), List.copyOf(p.conds().keySet()), p.prompt());
            assertEquals(p.chunks(), p.tokens().length);
            assertEquals(p.chunks(), p.multipliers().length);
            for (int k = 0; k < p.chunks(); k++) {
                assertEquals(CHUNK, p.tokens()[k].length);
                assertEquals(CHUNK, p.multipliers()[k].length);
                assertEquals(BOS, p.tokens()[k][0]);
                assertEquals(EOS, p.tokens()[k][CHUNK - 1]);
            }
            for (int skip : List.of(1, 2)) {
                assertEquals(p.chunks() * CHUNK * HIDDEN, p.cond(skip).length);
                assertFinite(p.cond(skip));
                assertTrue(p.fp32Deviation().get(skip) < ClipFixtures.TOLERANCE * 2, p.prompt());
            }
            assertTrue(maxAbsDiff(p.cond(1), p.cond(2)) > DISTINCT, "clip skip 1 vs 2: " + p.prompt());
        }
        // Different prompts give different references; emphasis changes the tensor.
        PromptReference cat = c.prompt("a photo of a cat");
        PromptReference apple = c.prompt("a (red) apple on a table");
        assertTrue(maxAbsDiff(cat.cond(1), apple.cond(1)) > DISTINCT);
        assertTrue(c.prompts().stream().anyMatch(p -> p.chunks() == 3));
        assertTrue(c.prompts().stream().anyMatch(p -> p.features().contains("comma-backtrack")));

        // A plain one-chunk prompt is the raw encoder output of its chunk.
        List<EncoderReference> enc = ClipFixtures.encoder(Precision.FP32);
        assertArrayEquals(cat.tokens()[0], enc.get(1).tokens());
        PromptReference empty = c.prompt("");
        assertArrayEquals(empty.tokens()[0], enc.get(0).tokens());
        for (int skip : List.of(1, 2)) {
            assertTrue(maxAbsDiff(cat.cond(skip), enc.get(1).forClipSkip(skip)) < 1e-5);
            assertTrue(maxAbsDiff(empty.cond(skip), enc.get(0).forClipSkip(skip)) < 1e-5);
        }

        for (PairReference pair : c.pairs()) {
            int padded = Math.max(pair.condChunks(), pair.uncondChunks());
            assertEquals(padded, pair.paddedChunks());
            for (int skip : List.of(1, 2)) {
                assertEquals(padded * CHUNK * HIDDEN, pair.cond(skip).length);
                assertEquals(padded * CHUNK * HIDDEN, pair.uncond(skip).length);
                // pad_cond_uncond appends copies of the empty prompt's conditioning.
                float[] emptyChunk = empty.cond(skip);
                for (int k = pair.condChunks(); k < padded; k++) {
                    assertArrayEquals(emptyChunk, rows(pair.cond(skip), k * CHUNK, (k + 1) * CHUNK));
                }
                for (int k = pair.uncondChunks(); k < padded; k++) {
                    assertArrayEquals(emptyChunk, rows(pair.uncond(skip), k * CHUNK, (k + 1) * CHUNK));
                }
            }
        }
        assertTrue(c.pairs().stream().anyMatch(p -> p.condChunks() < p.uncondChunks()));
        assertTrue(c.pairs().stream().anyMatch(p -> p.condChunks() > p.uncondChunks()));
        Map<String, Object> ckpt = castMap(c.json().get("checkpoint"));
        assertEquals(ClipFixtures.SEED, ((Long) ckpt.get("seed")).longValue());
    }

    private static void assertFinite(float[] v) {
        for (float f : v) {
            assertTrue(Float.isFinite(f));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }
}
