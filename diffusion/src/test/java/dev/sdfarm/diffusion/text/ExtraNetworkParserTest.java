package dev.sdfarm.diffusion.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExtraNetworkParserTest {
    @Test
    void aLoraTagIsRemovedAndReported() {
        ExtraNetworkPrompt parsed = ExtraNetworkParser.parse("a cat <lora:add_detail:0.8>, forest");
        assertEquals("a cat , forest", parsed.text());
        assertEquals(List.of(new ExtraNetworkTag("lora", List.of("add_detail", "0.8"), List.of("add_detail", "0.8"), Map.of())),
                parsed.tags());
        assertEquals("add_detail", parsed.tags().getFirst().name());
    }

    @Test
    void keyValueArgumentsAreNamed() {
        ExtraNetworkTag tag = ExtraNetworkParser.parse("<lora:x:te=0.5:unet=1:a=b=c>").tags().getFirst();
        assertEquals(List.of("x", "a=b=c"), tag.positional());
        assertEquals(Map.of("te", "0.5", "unet", "1"), tag.named());
    }

    @Test
    void tagsAreGroupedByTypeInPromptOrder() {
        ExtraNetworkPrompt parsed = ExtraNetworkParser.parse("<lora:a:1> <hypernet:h> <lora:b:0.5>");
        assertEquals(List.of("a", "b"), parsed.tagsOfType("lora").stream().map(ExtraNetworkTag::name).toList());
        assertEquals(List.of("h"), parsed.tagsOfType("hypernet").stream().map(ExtraNetworkTag::name).toList());
        assertEquals("  ", parsed.text());
    }

    @Test
    void incompleteTagsStayInThePrompt() {
        for (String prompt : List.of("<lora:>", "<lo ra:x>", "<lora:x", "<:x>", "a < b > c")) {
            ExtraNetworkPrompt parsed = ExtraNetworkParser.parse(prompt);
            assertEquals(prompt, parsed.text());
            assertEquals(List.of(), parsed.tags());
        }
    }

    @Test
    void anyStringParsesWithoutException() {
        Random random = new Random(5);
        for (int i = 0; i < 5000; i++) {
            ExtraNetworkParser.parse(RandomStrings.next(random));
        }
    }
}
