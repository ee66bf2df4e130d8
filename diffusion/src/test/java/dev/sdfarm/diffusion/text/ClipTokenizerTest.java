package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ClipTokenizerTest {
    private final ClipTokenizer tokenizer = ClipTokenizer.load();

    @Test
    void photoOfACatIsTheDocumentedIdSequence() {
        int[] ids = tokenizer.encode("a photo of a cat");
        assertArrayEquals(new int[] {320, 1125, 539, 320, 2368}, ids);
        assertEquals(49406, ClipTokenizer.BOS);
        assertEquals(49407, ClipTokenizer.EOS);
        assertEquals(49408, ClipTokenizer.VOCABULARY_SIZE);
    }

    @Test
    void loadReturnsOneSharedTokenizer() {
        assertSame(tokenizer, ClipTokenizer.load());
    }

    @Test
    void commaIsToken267() {
        assertEquals(267, tokenizer.commaToken());
        assertArrayEquals(new int[] {267}, tokenizer.encode(","));
    }

    @Test
    void caseAndWhitespaceDoNotMatter() {
        int[] expected = tokenizer.encode("a photo of a cat");
        assertArrayEquals(expected, tokenizer.encode("  A PHOTO\tof\n\na   Cat "));
        assertArrayEquals(expected, tokenizer.encode("a\u3000photo\u00a0of a\r\ncat"));
    }

    @Test
    void emptyAndBlankTextHaveNoTokens() {
        assertArrayEquals(new int[0], tokenizer.encode(""));
        assertArrayEquals(new int[0], tokenizer.encode(" \t\n\u3000"));
    }

    @Test
    void literalSpecialTokensBecomeStartAndEndOfText() {
        assertArrayEquals(new int[] {320, ClipTokenizer.EOS, 321}, tokenizer.encode("a<|endoftext|>b"));
        assertArrayEquals(new int[] {ClipTokenizer.BOS}, tokenizer.encode("<|startoftext|>"));
    }

    @Test
    void curlyQuotesAreStraightenedAsFtfyDoes() {
        assertArrayEquals(tokenizer.encode("it's a \"test\""), tokenizer.encode("it\u2019s a \u201ctest\u201d"));
    }

    @Test
    void htmlEntitiesAreDecodedUnlessTheLineLooksLikeHtml() {
        assertArrayEquals(tokenizer.encode("tom & jerry"), tokenizer.encode("tom &amp; jerry"));
        assertArrayEquals(tokenizer.encode("caf\u00e9"), tokenizer.encode("caf&eacute;"));
        assertArrayEquals(tokenizer.encode("<b>&</b>"), tokenizer.encode("<b>&</b>"));
        assertTrue(tokenizer.encode("<b>&amp;</b>").length > tokenizer.encode("<b>&</b>").length);
    }

    @Test
    void ligaturesAndFullWidthFormsBecomePlainLetters() {
        assertArrayEquals(tokenizer.encode("fine flowers"), tokenizer.encode("\ufb01ne \ufb02owers"));
        assertArrayEquals(tokenizer.encode("loud noises"), tokenizer.encode("\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33"));
    }

    @Test
    void decomposedAccentsAreComposedFirst() {
        assertArrayEquals(tokenizer.encode("caf\u00e9"), tokenizer.encode("cafe\u0301"));
    }

    @Test
    void unpairedSurrogatesReadAsReplacementCharacters() {
        assertArrayEquals(tokenizer.encode("\ufffdx\ufffd"), tokenizer.encode("\ud800x\udc00"));
    }

    @Test
    void finalCapitalSigmaLowerCasesToFinalSigma() {
        assertEquals("\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2", PythonText.lower("\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3"));
        assertEquals("a.\u03c2", PythonText.lower("A.\u03a3"));
        assertEquals("\u03c3", PythonText.lower("\u03a3"));
        assertEquals("i\u0307stanbul", PythonText.lower("\u0130STANBUL"));
    }

    @Test
    void decodeWritesEachWordEndAsASpace() {
        int[] ids = {ClipTokenizer.BOS, 320, 1125, 539, 320, 2368, ClipTokenizer.EOS};
        assertEquals("<|startoftext|>a photo of a cat <|endoftext|>", tokenizer.decode(ids));
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {49408}));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {-1}));
    }

    @Test
    void anyStringEncodesWithoutExceptionToValidIds() {
        Random random = new Random(20240611);
        for (int i = 0; i < 5000; i++) {
            String text = RandomStrings.next(random);
            int[] ids = tokenizer.encode(text);
            for (int id : ids) {
                assertTrue(id >= 0 && id < ClipTokenizer.VOCABULARY_SIZE, () -> "id " + id + " for " + ReferenceFixtures.quote(text));
            }
            tokenizer.decode(ids);
        }
    }

    @Test
    void encodingIsSafeFromManyThreads() throws Exception {
        List<String> prompts = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            prompts.add(RandomStrings.words(random, 40));
        }
        List<int[]> expected = prompts.stream().map(tokenizer::encode).toList();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<int[]>>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> prompts.stream().map(tokenizer::encode).toList()));
            }
            for (Future<List<int[]>> result : results) {
                List<int[]> actual = result.get();
                for (int i = 0; i < prompts.size(); i++) {
                    assertArrayEquals(expected.get(i), actual.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
