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

    /** A hang guard, not a speed measurement: the quadratic merge loop took minutes on such input. */
    @Test
    void aHugeSingleWordDoesNotHang() {
        Random random = new Random(4);
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            word.append((char) ('a' + random.nextInt(26)));
        }
        int[] ids = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60),
                () -> ClipTokenizer.load().encode(word.toString()));
        assertTrue(ids.length > 50_000);
    }
}
