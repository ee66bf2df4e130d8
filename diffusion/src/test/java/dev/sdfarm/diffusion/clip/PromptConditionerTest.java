package dev.sdfarm.diffusion.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.text.ClipTokenizer;
import dev.sdfarm.diffusion.text.PromptChunker;
import java.io.IOException;
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
                PromptConditioning pc = conditioner.condition(ref.prompt(), clipSkip);
                String what = "prompt " + ref.index() + " '" + ref.prompt() + "', clip skip " + clipSkip;
                assertEquals(1, pc.parts().size(), what + ": parts");
                Conditioning c = pc.cond();
                assertEquals(ref.condWeight(), c.weight(), what + ": composable weight");
                assertEquals(ref.chunks(), c.prompt().chunks().size(), what + ": chunks");
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
                PromptConditioning pair = conditioner.condition(ref.prompt(), ref.negativePrompt(), clipSkip, true);
                String what = "pair " + ref.index() + ", clip skip " + clipSkip;
                assertEquals(ref.paddedChunks() * 77, pair.cond().tokens(), what);
                assertEquals(ref.paddedChunks() * 77, pair.negative().tokens(), what);
                double err = Math.max(ClipFixtures.maxAbsDiff(ref.cond(clipSkip), pair.cond().values()),
                        ClipFixtures.maxAbsDiff(ref.uncond(clipSkip), pair.negative().values()));
                worst = Math.max(worst, err);
                assertTrue(err <= ClipFixtures.TOLERANCE, what + ": max abs error " + err);
            }
        }
        System.out.printf("padded pairs: max abs error %.2e%n", worst);
    }

    @Test
    void withoutPaddingEachSideKeepsItsOwnChunkCount() {
        ClipFixtures.PairReference ref = ClipFixtures.conditioning().pairs().get(2);
        PromptConditioning pair = conditioner.condition(ref.prompt(), ref.negativePrompt(), 1, false);
        assertEquals(ref.condChunks() * 77, pair.cond().tokens());
        assertEquals(ref.uncondChunks() * 77, pair.negative().tokens());
        float[] alone = conditioner.condition(ref.prompt(), 1).cond().values();
        assertEquals(0.0, ClipFixtures.maxAbsDiff(alone, pair.cond().values()));
    }

    @Test
    void composablePartsAreEncodedSeparatelyAndStackedByRepeatingTheLastVector() {
        ClipFixtures.PromptReference shortRef = ClipFixtures.conditioning().prompts().get(0);
        ClipFixtures.PromptReference longRef = ClipFixtures.conditioning().prompts().get(18);
        PromptConditioning pc = conditioner.condition(shortRef.prompt() + ":0.7 AND " + longRef.prompt(), 1);
        assertEquals(2, pc.parts().size());
        assertEquals(0.7, pc.parts().get(0).weight());
        assertEquals(1.0, pc.parts().get(1).weight());
        assertEquals(2 * 77, pc.parts().get(0).tokens());
        assertTrue(ClipFixtures.maxAbsDiff(longRef.cond(1), pc.parts().get(1).values()) <= ClipFixtures.TOLERANCE);
        float[] first = pc.parts().get(0).values();
        assertTrue(ClipFixtures.maxAbsDiff(shortRef.cond(1), ClipFixtures.rows(first, 0, 77)) <= ClipFixtures.TOLERANCE);
        float[] last = ClipFixtures.rows(first, 76, 77);
        for (int t = 77; t < 154; t++) {
            assertEquals(0.0, ClipFixtures.maxAbsDiff(last, ClipFixtures.rows(first, t, t + 1)), "token " + t);
        }
    }

    @Test
    void extraNetworkTagsAreTakenOutOfThePositivePromptOnly() {
        PromptConditioning pc = conditioner.condition("<lora:foo:0.8> a fox", "<lora:bar:1> blurry", 1, true);
        assertEquals(1, pc.extraNetworks().size());
        assertEquals("foo", pc.extraNetworks().getFirst().name());
        assertTrue(pc.negative().prompt().tokenCount() > 5, "the negative prompt's tag is tokenized as text");
    }
}
