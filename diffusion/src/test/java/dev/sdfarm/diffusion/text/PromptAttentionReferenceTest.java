package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every entry against webui's {@code parse_prompt_attention} (fixture {@code attention.jsonl}). */
class PromptAttentionReferenceTest {
    @Test
    void parsesEveryReferencePromptAsWebui() {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        int errors = 0;
        for (Map<String, Object> row : ReferenceFixtures.jsonLines("attention.jsonl")) {
            String prompt = (String) row.get("prompt");
            List<WeightedText> actual = PromptAttention.parse(prompt);
            if (row.containsKey("error")) {
                // webui raises here; this parser's fallback is covered by PromptAttentionTest.
                errors++;
                continue;
            }
            List<WeightedText> expected = new ArrayList<>();
            for (Object entry : (List<?>) row.get("parsed")) {
                List<?> pair = (List<?>) entry;
                expected.add(new WeightedText((String) pair.get(0), ReferenceFixtures.number(pair.get(1))));
            }
            compared++;
            if (!sameEntries(expected, actual)) {
                failures.add(ReferenceFixtures.quote(prompt) + "\n  expected " + describe(expected) + "\n  actual   " + describe(actual));
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + compared + " prompts differ from webui:\n" + String.join("\n", failures));
        }
        assertTrue(compared >= 100, "only " + compared + " reference prompts");
        assertTrue(errors >= 1, "the fixture should include prompts webui rejects");
    }

    private static boolean sameEntries(List<WeightedText> expected, List<WeightedText> actual) {
        if (expected.size() != actual.size()) {
            return false;
        }
        for (int i = 0; i < expected.size(); i++) {
            WeightedText e = expected.get(i);
            WeightedText a = actual.get(i);
            // Bit-exact weights: the multiplications happen in the same order as in webui.
            if (!e.text().equals(a.text()) || Double.doubleToLongBits(e.weight()) != Double.doubleToLongBits(a.weight())) {
                return false;
            }
        }
        return true;
    }

    private static String describe(List<WeightedText> entries) {
        StringBuilder s = new StringBuilder("[");
        for (WeightedText e : entries) {
            if (s.length() > 1) {
                s.append(", ");
            }
            s.append('(').append(ReferenceFixtures.quote(e.text())).append(", ").append(e.weight()).append(')');
        }
        return s.append(']').toString();
    }
}
