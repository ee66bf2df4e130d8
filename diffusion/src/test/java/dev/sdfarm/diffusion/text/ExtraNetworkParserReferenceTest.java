package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stripped prompts and tags against webui's {@code extra_networks.parse_prompt} (fixture {@code extra_networks.jsonl}). */
class ExtraNetworkParserReferenceTest {
    @Test
    void extractsTagsAsWebui() {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (Map<String, Object> row : ReferenceFixtures.jsonLines("extra_networks.jsonl")) {
            String prompt = (String) row.get("prompt");
            ExtraNetworkPrompt actual = ExtraNetworkParser.parse(prompt);
            Object expectedNetworks = row.get("networks");
            Object actualNetworks = asWebuiData(actual.tags());
            compared++;
            // toString as well, since Map.equals ignores the order of types and of named arguments.
            if (!row.get("stripped").equals(actual.text()) || !expectedNetworks.equals(actualNetworks)
                    || !expectedNetworks.toString().equals(actualNetworks.toString())) {
                failures.add(ReferenceFixtures.quote(prompt) + "\n  expected " + ReferenceFixtures.quote((String) row.get("stripped"))
                        + " " + expectedNetworks + "\n  actual   " + ReferenceFixtures.quote(actual.text()) + " " + actualNetworks);
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + compared + " prompts differ from webui:\n" + String.join("\n", failures));
        }
        assertTrue(compared >= 20, "only " + compared + " reference prompts");
    }

    /** The tags in the shape of the fixture: type to list of {items, positional, named}, in first-seen order. */
    static Map<String, Object> asWebuiData(List<ExtraNetworkTag> tags) {
        Map<String, Object> byType = new LinkedHashMap<>();
        for (ExtraNetworkTag tag : tags) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) byType.computeIfAbsent(tag.type(), k -> new ArrayList<>());
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("items", tag.items());
            params.put("positional", tag.positional());
            params.put("named", tag.named());
            list.add(params);
        }
        return byType;
    }
}
