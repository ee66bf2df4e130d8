package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AND / {@code :weight} splitting against webui's {@code get_multicond_prompt_list} (fixture {@code composable.jsonl}). */
class ComposablePromptReferenceTest {
    @Test
    void splitsPromptsAsWebui() {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (Map<String, Object> row : ReferenceFixtures.jsonLines("composable.jsonl")) {
            String prompt = (String) row.get("prompt");
            List<String> expected = new ArrayList<>();
            for (Object part : (List<?>) row.get("parts")) {
                List<?> p = (List<?>) part;
                expected.add(ReferenceFixtures.quote((String) p.get(0)) + ":" + ReferenceFixtures.number(p.get(1)));
            }
            List<String> actual = ComposablePrompt.parse(prompt).parts().stream()
                    .map(p -> ReferenceFixtures.quote(p.text()) + ":" + p.weight()).toList();
            compared++;
            if (!expected.equals(actual)) {
                failures.add(ReferenceFixtures.quote(prompt) + "\n  expected " + expected + "\n  actual   " + actual);
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + compared + " prompts differ from webui:\n" + String.join("\n", failures));
        }
        assertTrue(compared >= 100, "only " + compared + " reference prompts");
    }

    @Test
    void aTrailingWeightIsTakenOffTheTextAndAndSplitsOnlyWholeWords() {
        assertEquals(List.of(new ComposablePrompt.Part("a dog", 1.5)), ComposablePrompt.parse("a dog:1.5").parts());
        assertEquals(List.of(new ComposablePrompt.Part("a cat", 1.2), new ComposablePrompt.Part(" a dog", 0.8)),
                ComposablePrompt.parse("a cat:1.2 AND a dog:0.8").parts());
        assertEquals(1, ComposablePrompt.parse("ANDROID BAND").parts().size());
    }
}
