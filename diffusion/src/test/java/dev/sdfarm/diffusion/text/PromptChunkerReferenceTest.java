package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Chunks, multipliers, token counts and extra-network tags against webui's {@code tokenize_line} (after
 * {@code extra_networks.parse_prompt} for positive prompts), fixture {@code chunks.jsonl}.
 */
class PromptChunkerReferenceTest {
    @Test
    void chunksEveryReferencePromptAsWebui() {
        ClipTokenizer tokenizer = ClipTokenizer.load();
        List<String> failures = new ArrayList<>();
        int compared = 0;
        int multiChunk = 0;
        int threeOrMore = 0;
        for (Map<String, Object> row : ReferenceFixtures.jsonLines("chunks.jsonl")) {
            String prompt = (String) row.get("prompt");
            boolean negative = (Boolean) row.get("negative");
            int backtrack = Math.toIntExact((Long) row.get("backtrack"));
            PromptChunker chunker = new PromptChunker(tokenizer, backtrack);
            ChunkedPrompt actual = negative ? chunker.chunkText(prompt) : chunker.chunk(prompt);
            compared++;
            String label = ReferenceFixtures.quote(prompt) + (negative ? " (negative)" : "") + " backtrack " + backtrack;

            List<?> expectedChunks = (List<?>) row.get("chunks");
            multiChunk += expectedChunks.size() > 1 ? 1 : 0;
            threeOrMore += expectedChunks.size() > 2 ? 1 : 0;
            int expectedCount = Math.toIntExact((Long) row.get("tokenCount"));
            if (expectedCount != actual.tokenCount()) {
                failures.add(label + ": token count " + actual.tokenCount() + ", expected " + expectedCount);
            }
            if (expectedChunks.size() != actual.chunks().size()) {
                failures.add(label + ": " + actual.chunks().size() + " chunks, expected " + expectedChunks.size());
                continue;
            }
            for (int c = 0; c < expectedChunks.size(); c++) {
                Map<?, ?> expectedChunk = (Map<?, ?>) expectedChunks.get(c);
                int[] expectedTokens = ReferenceFixtures.ints(expectedChunk.get("tokens"));
                List<?> expectedMultipliers = (List<?>) expectedChunk.get("multipliers");
                PromptChunk chunk = actual.chunks().get(c);
                if (!Arrays.equals(expectedTokens, chunk.tokens())) {
                    failures.add(label + ": chunk " + c + " tokens\n  expected " + Arrays.toString(expectedTokens)
                            + "\n  actual   " + Arrays.toString(chunk.tokens()));
                }
                for (int p = 0; p < PromptChunk.LENGTH; p++) {
                    float expected = (float) ReferenceFixtures.number(expectedMultipliers.get(p));
                    if (Float.floatToIntBits(expected) != Float.floatToIntBits(chunk.multiplier(p))) {
                        failures.add(label + ": chunk " + c + " multiplier " + p + " is " + chunk.multiplier(p)
                                + ", expected " + expected);
                        break;
                    }
                }
            }
            Map<String, Object> actualNetworks = ExtraNetworkParserReferenceTest.asWebuiData(actual.extraNetworks());
            if (!row.get("networks").toString().equals(actualNetworks.toString())) {
                failures.add(label + ": extra networks " + actualNetworks + ", expected " + row.get("networks"));
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " differences from webui in " + compared + " prompts:\n" + String.join("\n", failures));
        }
        assertTrue(compared >= 100, "only " + compared + " reference prompts");
        assertTrue(multiChunk >= 20 && threeOrMore >= 5, "too few long prompts: " + multiChunk + " / " + threeOrMore);
    }
}
