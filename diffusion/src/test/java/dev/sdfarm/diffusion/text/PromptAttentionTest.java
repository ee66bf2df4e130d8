package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PromptAttentionTest {
    private static WeightedText w(String text, double weight) {
        return new WeightedText(text, weight);
    }

    @Test
    void roundBracketsMultiplyByOnePointOne() {
        assertEquals(List.of(w("an ", 1.0), w("important", 1.1), w(" word", 1.0)), PromptAttention.parse("an (important) word"));
    }

    @Test
    void squareBracketsDivideByOnePointOne() {
        assertEquals(List.of(w("a ", 1.0), w("faint", 1 / 1.1)), PromptAttention.parse("a [faint]"));
    }

    @Test
    void anExplicitWeightReplacesTheDefaultMultiplier() {
        assertEquals(List.of(w("x", 1.5)), PromptAttention.parse("(x:1.5)"));
        assertEquals(List.of(w("x", -1.0)), PromptAttention.parse("(x: -1 )"));
        assertEquals(List.of(w("x", 0.25)), PromptAttention.parse("(x:.25)"));
    }

    @Test
    void nestedBracketsMultiply() {
        assertEquals(List.of(w("a ", 1.0), w("house", 1.5730000000000004), w(" ", 1.1), w("on", 1.0), w(" a ", 1.1),
                        w("hill", 0.55), w(", sun, ", 1.1), w("sky", 1.4641000000000006), w(".", 1.1)),
                PromptAttention.parse("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky)))."));
    }

    @Test
    void anUnclosedBracketRunsToTheEnd() {
        assertEquals(List.of(w("unbalanced", 1.1)), PromptAttention.parse("(unbalanced"));
        assertEquals(List.of(w("a ", 1.0), w("b", 1 / 1.1)), PromptAttention.parse("a [b"));
    }

    @Test
    void aCloserWithNothingOpenIsText() {
        assertEquals(List.of(w("a) b]", 1.0)), PromptAttention.parse("a) b]"));
    }

    @Test
    void escapedBracketsAndBackslashesAreLiteral() {
        assertEquals(List.of(w("(literal]", 1.0)), PromptAttention.parse("\\(literal\\]"));
        assertEquals(List.of(w("a\\b", 1.0)), PromptAttention.parse("a\\\\b"));
        assertEquals(List.of(w("ab", 1.0)), PromptAttention.parse("a\\b"));
    }

    @Test
    void adjacentEntriesOfEqualWeightMerge() {
        assertEquals(List.of(w("unnecessaryparens", 1.1)), PromptAttention.parse("(unnecessary)(parens)"));
    }

    @Test
    void breakBecomesABreakEntryTakingItsWhitespace() {
        List<WeightedText> parsed = PromptAttention.parse("a  BREAK\nb");
        assertEquals(List.of(w("a", 1.0), WeightedText.breakMarker(), w("b", 1.0)), parsed);
        assertTrue(parsed.get(1).isBreak());
    }

    @Test
    void breakInsideAWordOrInLowerCaseIsText() {
        assertEquals(List.of(w("aBREAK b, break, BREAK_", 1.0)), PromptAttention.parse("aBREAK b, break, BREAK_"));
    }

    @Test
    void breakInsideBracketsIsWeightedAndNoLongerABreak() {
        List<WeightedText> parsed = PromptAttention.parse("(a BREAK b)");
        assertEquals(List.of(w("a", 1.1), w("BREAK", -1.1), w("b", 1.1)), parsed);
        assertFalse(parsed.get(1).isBreak());
    }

    @Test
    void theEmptyPromptIsOneEmptyEntry() {
        assertEquals(List.of(w("", 1.0)), PromptAttention.parse(""));
    }

    @Test
    void promptEditingSyntaxIsPlainTextAndBrackets() {
        assertEquals(List.of(w("a ", 1.0), w("cat:dog:0.5", 1 / 1.1), w(" b", 1.0)), PromptAttention.parse("a [cat:dog:0.5] b"));
    }

    @Test
    void aWeightThatIsNotANumberStaysLiteralWhereWebuiFails() {
        assertEquals(List.of(w("x:1.2.3)", 1.1)), PromptAttention.parse("(x:1.2.3)"));
        assertEquals(List.of(w("x:.)", 1.0)), PromptAttention.parse("x:.)"));
    }

    @Test
    void anyStringParsesWithoutException() {
        Random random = new Random(99);
        for (int i = 0; i < 5000; i++) {
            String prompt = RandomStrings.next(random);
            List<WeightedText> parsed = PromptAttention.parse(prompt);
            assertFalse(parsed.isEmpty());
        }
    }
}
