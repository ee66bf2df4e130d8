package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Token ids against Hugging Face's {@code CLIPTokenizer} with ftfy (fixture {@code tokenizer.jsonl}), and
 * decoded text against openai/CLIP's {@code SimpleTokenizer.decode} (fixture {@code decode.jsonl}).
 */
class ClipTokenizerReferenceTest {
    private final ClipTokenizer tokenizer = ClipTokenizer.load();

    @Test
    void encodesEveryReferencePromptToTheReferenceIds() {
        List<Map<String, Object>> rows = ReferenceFixtures.jsonLines("tokenizer.jsonl");
        List<String> failures = new ArrayList<>();
        int compared = 0;
        int longPrompts = 0;
        for (Map<String, Object> row : rows) {
            String prompt = (String) row.get("prompt");
            // Mojibake is compared with the reference run with ftfy's encoding repair switched off, which is
            // the part of ftfy this port leaves out.
            Object expectedJson = row.containsKey("idsWithoutEncodingRepair") ? row.get("idsWithoutEncodingRepair") : row.get("ids");
            int[] expected = ReferenceFixtures.ints(expectedJson);
            int[] actual = tokenizer.encode(prompt);
            compared++;
            if (expected.length > 500) {
                longPrompts++;
            }
            if (!Arrays.equals(expected, actual)) {
                failures.add(ReferenceFixtures.quote(prompt) + "\n  expected " + Arrays.toString(expected)
                        + "\n  actual   " + Arrays.toString(actual));
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + compared + " prompts differ from the reference:\n" + String.join("\n", failures));
        }
        assertTrue(compared >= 200, "only " + compared + " reference prompts");
        assertTrue(longPrompts >= 2, "the fixture should include prompts of more than 500 tokens");
    }

    @Test
    void decodesAsTheReferenceDecoder() {
        List<String> failures = new ArrayList<>();
        for (Map<String, Object> row : ReferenceFixtures.jsonLines("decode.jsonl")) {
            int[] ids = ReferenceFixtures.ints(row.get("ids"));
            String expected = (String) row.get("text");
            String actual = tokenizer.decode(ids);
            if (!expected.equals(actual)) {
                failures.add(Arrays.toString(ids) + ": expected " + ReferenceFixtures.quote(expected) + ", got "
                        + ReferenceFixtures.quote(actual));
            }
        }
        assertEquals(List.of(), failures);
    }
}
