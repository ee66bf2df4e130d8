package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BytePairEncoderTest {
    private static final BytePairEncoder BPE = BytePairEncoder.load();

    @Test
    void vocabularyHasTheReferenceLayout() {
        assertEquals(49408, BytePairEncoder.VOCABULARY_SIZE);
        assertEquals("<|startoftext|>", BPE.token(49406));
        assertEquals("<|endoftext|>", BPE.token(49407));
        assertEquals(267, BPE.id(",</w>"));
        assertEquals("a</w>", BPE.token(320));
    }

    @Test
    void longWordMergingGivesTheSameTokensAsTheReferenceLoop() {
        Random random = new Random(3);
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789.,!?éü猫🐱 ";
        for (int i = 0; i < 400; i++) {
            StringBuilder word = new StringBuilder();
            int length = 1 + random.nextInt(i < 200 ? 20 : 400);
            for (int k = 0; k < length; k++) {
                word.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            int[] symbols = BPE.byteSymbols(word.toString().getBytes(StandardCharsets.UTF_8));
            assertArrayEquals(BPE.mergeShortWord(symbols), BPE.mergeLongWord(symbols), word.toString());
        }
    }

    @Test
    void aHugeSingleWordStaysFast() {
        Random random = new Random(4);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            word.append((char) ('a' + random.nextInt(26)));
        }
        long start = System.nanoTime();
        int[] ids = ClipTokenizer.load().encode(word.toString());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ids.length > 50_000);
        assertTrue(millis < 3_000, "a 200,000-letter word took " + millis + " ms");
    }
}
