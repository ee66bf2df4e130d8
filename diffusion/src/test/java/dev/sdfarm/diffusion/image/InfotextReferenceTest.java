package dev.sdfarm.diffusion.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.json.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Infotext against webui's own create_infotext and parse_generation_parameters (fixtures/image/make_fixtures.py). */
class InfotextReferenceTest {
    /** Keys parse_generation_parameters fills in when the text lacks them. */
    private static final Set<String> WEBUI_DEFAULTS = Set.of("Clip skip", "Hires resize-1", "Hires resize-2",
            "Hires sampler", "Hires schedule type", "Hires checkpoint", "Hires prompt", "Hires negative prompt",
            "Mask mode", "Masked content", "Inpaint area", "Masked area padding", "RNG", "Schedule type",
            "Schedule max sigma", "Schedule min sigma", "Schedule rho", "VAE Encoder", "VAE Decoder", "FP8 weight",
            "Emphasis", "Refiner switch by sampling steps");

    static List<Map<String, Object>> cases() throws IOException {
        try (InputStream in = InfotextReferenceTest.class.getResourceAsStream("infotext.jsonl")) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> row = (Map<String, Object>) StrictJson.parse(line.getBytes(StandardCharsets.UTF_8));
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    @Test
    void formatMatchesCreateInfotext() throws IOException {
        int n = 0;
        for (Map<String, Object> row : cases()) {
            if (row.get("kind").equals("format")) {
                @SuppressWarnings("unchecked")
                GenerationParameters p = params((Map<String, Object>) row.get("params"));
                assertEquals(row.get("text"), Infotext.format(p), () -> "params " + row.get("params"));
                n++;
            }
        }
        assertTrue(n >= 9);
    }

    @Test
    void parseMatchesParseGenerationParameters() throws IOException {
        int n = 0;
        for (Map<String, Object> row : cases()) {
            String text = (String) row.get("text");
            @SuppressWarnings("unchecked")
            Map<String, Object> parsed = (Map<String, Object>) row.get("parsed");
            List<?> keys = (List<?>) parsed.get("keys");
            List<?> values = (List<?>) parsed.get("values");
            Map<String, String> expected = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                expected.put((String) keys.get(i), (String) values.get(i));
            }
            ParsedInfotext ours = Infotext.parse(text);
            Map<String, String> actual = new LinkedHashMap<>();
            ours.fields().forEach((k, v) -> {
                int x = v.indexOf('x');
                if (x > 0 && Infotext.isAsciiDigits(v, 0, x) && Infotext.isAsciiDigits(v, x + 1, v.length())) {
                    actual.put(k + "-1", v.substring(0, x));
                    actual.put(k + "-2", v.substring(x + 1));
                } else {
                    actual.put(k, v);
                }
            });
            actual.put("Prompt", ours.prompt());
            actual.put("Negative prompt", ours.negativePrompt());
            List<String> expectedOrder = new ArrayList<>();
            for (Map.Entry<String, String> e : expected.entrySet()) {
                if (actual.containsKey(e.getKey())) {
                    assertEquals(e.getValue(), actual.get(e.getKey()), () -> e.getKey() + " of " + text);
                    expectedOrder.add(e.getKey());
                } else {
                    assertTrue(WEBUI_DEFAULTS.contains(e.getKey()), () -> "missing " + e.getKey() + " in " + text);
                }
            }
            assertEquals(expectedOrder, new ArrayList<>(actual.keySet()), () -> "keys of " + text);
            n++;
        }
        assertTrue(n >= 30, "cases " + n);
    }

    static GenerationParameters params(Map<String, Object> c) {
        GenerationParameters.Builder b = GenerationParameters.builder()
                .prompt((String) c.get("prompt"))
                .negativePrompt((String) c.get("negativePrompt"))
                .steps(((Number) c.get("steps")).intValue())
                .sampler((String) c.get("sampler"))
                .scheduleType((String) c.get("scheduleType"))
                .cfgScale(((Number) c.get("cfgScale")).doubleValue())
                .seed(((Number) c.get("seed")).longValue())
                .size(((Number) c.get("width")).intValue(), ((Number) c.get("height")).intValue())
                .modelHash((String) c.get("modelHash"))
                .modelName((String) c.get("modelName"))
                .version((String) c.get("version"))
                .rng((String) c.get("rng"));
        if (c.containsKey("variationStrength")) {
            b.variation(((Number) c.get("variationSeed")).longValue(),
                    ((Number) c.get("variationStrength")).doubleValue());
        }
        if (c.containsKey("denoisingStrength")) {
            b.denoisingStrength(((Number) c.get("denoisingStrength")).doubleValue());
        }
        if (c.containsKey("clipSkip")) {
            b.clipSkip(((Number) c.get("clipSkip")).intValue());
        }
        if (c.containsKey("ensd")) {
            b.ensd(((Number) c.get("ensd")).longValue());
        }
        if (c.get("extra") instanceof Map<?, ?> extra) {
            extra.forEach((k, v) -> b.extra((String) k, v instanceof Number num
                    ? Infotext.number(num.doubleValue()) : (String) v));
        }
        return b.build();
    }
}
