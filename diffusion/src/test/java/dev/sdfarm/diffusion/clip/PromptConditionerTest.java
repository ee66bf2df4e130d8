package dev.sdfarm.diffusion.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.text.ClipTokenizer;
import dev.sdfarm.diffusion.text.PromptChunker;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prompt to conditioning against AUTOMATIC1111's own conditioning code (FrozenCLIPEmbedderWithCustomWords with
 * transformers' CLIPTextModel, emphasis "Original", pad_cond_uncond) run on the tiny SD1 checkpoint: 26 prompts
 * covering emphasis, nesting, negative and zero weights, escapes, BREAK, extra-network tags, 1-3 chunks and
 * comma backtracking, and 5 prompt/negative pairs with different chunk counts, each for clip skip 1 and 2.
 */
class PromptConditionerTest {
    private static Checkpoint checkpoint;
    private static CpuBackend cpu;
    private static PromptConditioner conditioner;

    @BeforeAll
    static void load() throws IOException {
        checkpoint = Checkpoint.open(ClipFixtures.checkpoint());
        cpu = new CpuBackend(2, true);
        conditioner = new PromptConditioner(new PromptChunker(ClipTokenizer.load()),
                ClipTextEncoder.load(cpu, checkpoint));
    }

    @AfterAll
    static void close() throws IOException {
        cpu.close();
        checkpoint.close();
    }

    @Test
    void everyPromptMatchesA1111ForBothClipSkips() {
        ClipFixtures.Conditioning refs = ClipFixtures.conditioning();
        int checked = 0;
        double worst = 0;
        for (ClipFixtures.PromptReference ref : refs.prompts()) {
            for (int clipSkip = 1; clipSkip <= 2; clipSkip++) {
                Conditioning c = conditioner.condition(ref.prompt(), clipSkip);
                String what = "prompt " + ref.index() + " '" + ref.prompt() + "', clip skip " + clipSkip;
                assertEquals(ref.chunks(), c.chunks(), what + ": chunks");
                for (int i = 0; i < ref.chunks(); i++) {
                    assertArrayEquals(ref.tokens()[i], c.prompt().chunks().get(i).tokens(), what + ": tokens");
                }
                double err = ClipFixtures.maxAbsDiff(ref.cond(clipSkip), c.values());
                worst = Math.max(worst, err);
                assertTrue(err <= ClipFixtures.TOLERANCE, what + ": max abs error " + err);
                checked++;
            }
        }
        assertEquals(2 * refs.prompts().size(), checked);
        System.out.printf("conditioning: %d prompt/clip-skip cases, max abs error %.2e%n", checked, worst);
    }

    @Test
    void promptAndNegativePromptArePaddedToTheSameChunkCountAsA1111Does() {
        double worst = 0;
        for (ClipFixtures.PairReference ref : ClipFixtures.conditioning().pairs()) {
            for (int clipSkip = 1; clipSkip <= 2; clipSkip++) {
                List<Conditioning> pair = conditioner.conditionPair(ref.prompt(), ref.negativePrompt(), clipSkip, true);
                String what = "pair " + ref.index() + ", clip skip " + clipSkip;
                assertEquals(ref.paddedChunks(), pair.get(0).chunks(), what);
                assertEquals(ref.paddedChunks(), pair.get(1).chunks(), what);
                double err = Math.max(ClipFixtures.maxAbsDiff(ref.cond(clipSkip), pair.get(0).values()),
                        ClipFixtures.maxAbsDiff(ref.uncond(clipSkip), pair.get(1).values()));
                worst = Math.max(worst, err);
                assertTrue(err <= ClipFixtures.TOLERANCE, what + ": max abs error " + err);
            }
        }
        System.out.printf("padded pairs: max abs error %.2e%n", worst);
    }

    @Test
    void withoutPaddingEachSideKeepsItsOwnChunkCount() {
        ClipFixtures.PairReference ref = ClipFixtures.conditioning().pairs().get(2);
        List<Conditioning> pair = conditioner.conditionPair(ref.prompt(), ref.negativePrompt(), 1, false);
        assertEquals(ref.condChunks(), pair.get(0).chunks());
        assertEquals(ref.uncondChunks(), pair.get(1).chunks());
        float[] alone = conditioner.condition(ref.prompt(), 1).values();
        assertEquals(0.0, ClipFixtures.maxAbsDiff(alone, pair.get(0).values()));
    }
}
