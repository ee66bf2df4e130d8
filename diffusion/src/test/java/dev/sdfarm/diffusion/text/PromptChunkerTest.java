package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PromptChunkerTest {
    private static final int CAT = 2368;
    private static final int DOG = 1929;
    private final ClipTokenizer tokenizer = ClipTokenizer.load();
    private final PromptChunker chunker = new PromptChunker(tokenizer);

    private static String repeat(String word, int times) {
        return String.join(" ", java.util.Collections.nCopies(times, word));
    }

    /** The 75 prompt positions of a chunk. */
    private static int[] body(PromptChunk chunk) {
        return Arrays.copyOfRange(chunk.tokens(), 1, 76);
    }

    private static int count(int[] tokens, int token) {
        return (int) Arrays.stream(tokens).filter(t -> t == token).count();
    }

    @Test
    void theEmptyPromptIsOneChunkOfPadding() {
        ChunkedPrompt chunked = chunker.chunk("");
        assertEquals(1, chunked.chunks().size());
        assertEquals(0, chunked.tokenCount());
        int[] expected = new int[77];
        Arrays.fill(expected, ClipTokenizer.EOS);
        expected[0] = ClipTokenizer.BOS;
        assertArrayEquals(expected, chunked.chunks().getFirst().tokens());
        float[] ones = new float[77];
        Arrays.fill(ones, 1f);
        assertArrayEquals(ones, chunked.chunks().getFirst().multipliers());
    }

    @Test
    void photoOfACatIsFramedByStartAndEndAndPaddedWithEnd() {
        ChunkedPrompt chunked = chunker.chunk("a photo of a cat");
        int[] tokens = chunked.chunks().getFirst().tokens();
        assertArrayEquals(new int[] {ClipTokenizer.BOS, 320, 1125, 539, 320, CAT, ClipTokenizer.EOS}, Arrays.copyOf(tokens, 7));
        assertEquals(ClipTokenizer.EOS, tokens[76]);
        assertEquals(5, chunked.tokenCount());
    }

    @Test
    void seventyFiveTokensFitOneChunkAndTheSeventySixthStartsAnother() {
        ChunkedPrompt full = chunker.chunk(repeat("cat", 75));
        assertEquals(1, full.chunks().size());
        assertEquals(75, full.tokenCount());
        ChunkedPrompt over = chunker.chunk(repeat("cat", 76));
        assertEquals(2, over.chunks().size());
        assertEquals(76, over.tokenCount());
        assertEquals(CAT, over.chunks().get(1).token(1));
        assertEquals(ClipTokenizer.EOS, over.chunks().get(1).token(2));
    }

    @Test
    void breakClosesTheChunk() {
        ChunkedPrompt chunked = chunker.chunk("cat BREAK dog");
        assertEquals(2, chunked.chunks().size());
        assertEquals(76, chunked.tokenCount());
        assertEquals(CAT, chunked.chunks().get(0).token(1));
        assertEquals(DOG, chunked.chunks().get(1).token(1));
    }

    @Test
    void breakAtTheStartGivesAnEmptyFirstChunk() {
        ChunkedPrompt chunked = chunker.chunk("BREAK cat");
        assertEquals(2, chunked.chunks().size());
        assertEquals(75, count(body(chunked.chunks().get(0)), ClipTokenizer.EOS));
        assertEquals(76, chunked.tokenCount());
    }

    @Test
    void textAfterANearbyCommaMovesToTheNextChunk() {
        // 70 cats, a comma at position 70, then dogs: when the chunk fills, the 4 dogs after the comma move on.
        ChunkedPrompt chunked = chunker.chunk(repeat("cat", 70) + ", " + repeat("dog", 10));
        PromptChunk first = chunked.chunks().get(0);
        assertEquals(tokenizer.commaToken(), first.token(71));
        assertEquals(ClipTokenizer.EOS, first.token(72));
        assertEquals(10, count(body(chunked.chunks().get(1)), DOG));
        assertEquals(75 + 10, chunked.tokenCount());
    }

    @Test
    void aCommaFurtherBackThanTheBacktrackLimitMovesNothing() {
        ChunkedPrompt chunked = chunker.chunk(repeat("cat", 30) + ", " + repeat("dog", 60));
        assertEquals(DOG, chunked.chunks().get(0).token(75));
        ChunkedPrompt disabled = new PromptChunker(tokenizer, 0).chunk(repeat("cat", 70) + ", " + repeat("dog", 10));
        assertEquals(DOG, disabled.chunks().get(0).token(75));
    }

    @Test
    void multipliersFollowTheEmphasisOfEachToken() {
        PromptChunk chunk = chunker.chunk("(cat:1.5) [dog]").chunks().getFirst();
        assertEquals(1f, chunk.multiplier(0));
        assertEquals(1.5f, chunk.multiplier(1));
        assertEquals((float) (1 / 1.1), chunk.multiplier(2));
        assertEquals(1f, chunk.multiplier(3));
        assertEquals(1f, chunk.multiplier(76));
    }

    @Test
    void extraNetworkTagsAreTakenOutOfPositivePromptsOnly() {
        ChunkedPrompt positive = chunker.chunk("cat <lora:detail:0.8>");
        assertEquals(1, positive.tokenCount());
        assertEquals("detail", positive.extraNetworks().getFirst().name());
        ChunkedPrompt negative = chunker.chunkText("cat <lora:detail:0.8>");
        assertEquals(List.of(), negative.extraNetworks());
        assertTrue(negative.tokenCount() > 1);
    }

    @Test
    void chunksAreImmutable() {
        PromptChunk chunk = chunker.chunk("cat").chunks().getFirst();
        chunk.tokens()[1] = DOG;
        chunk.multipliers()[1] = 9f;
        assertEquals(CAT, chunk.token(1));
        assertEquals(1f, chunk.multiplier(1));
        assertThrows(IllegalArgumentException.class, () -> new PromptChunk(new int[76], new float[77]));
    }

    @Test
    void anyStringChunksWithoutException() {
        Random random = new Random(11);
        for (int i = 0; i < 3000; i++) {
            ChunkedPrompt chunked = chunker.chunk(RandomStrings.next(random));
            assertTrue(chunked.tokenCount() >= 0);
            for (PromptChunk chunk : chunked.chunks()) {
                assertEquals(ClipTokenizer.BOS, chunk.token(0));
                assertEquals(ClipTokenizer.EOS, chunk.token(76));
            }
        }
    }
}
