package dev.sdfarm.diffusion.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class InfotextTest {
    @Test
    void roundTripsTypicalParameters() {
        GenerationParameters p = GenerationParameters.builder()
                .prompt("masterpiece, (cat:1.2)\nsecond line")
                .negativePrompt("blurry, lowres")
                .steps(28).sampler("DPM++ 2M").scheduleType("Karras").cfgScale(6.5).seed(4_000_000_000L)
                .size(768, 512).modelHash("6ce0161689").modelName("v1-5: pruned, ema").clipSkip(2).ensd(31337)
                .variation(42L, 0.25).rng("CPU").extra("Lora hashes", "a: 1, b: 2").version("v1.10.1").build();
        String text = Infotext.format(p);
        assertEquals("masterpiece, (cat:1.2)\nsecond line\nNegative prompt: blurry, lowres\nSteps: 28, Sampler: DPM++ 2M, "
                + "Schedule type: Karras, CFG scale: 6.5, Seed: 4000000000, Size: 768x512, Model hash: 6ce0161689, "
                + "Model: \"v1-5: pruned, ema\", Variation seed: 42, Variation seed strength: 0.25, Clip skip: 2, "
                + "ENSD: 31337, RNG: CPU, Lora hashes: \"a: 1, b: 2\", Version: v1.10.1", text);
        ParsedInfotext back = Infotext.parse(text);
        assertEquals(p.prompt(), back.prompt());
        assertEquals(p.negativePrompt(), back.negativePrompt());
        assertEquals("v1-5: pruned, ema", back.field("Model").orElseThrow());
        assertEquals("a: 1, b: 2", back.field("Lora hashes").orElseThrow());
        assertArrayEquals(new int[] {768, 512}, back.size("Size").orElseThrow());
        assertEquals("6.5", back.field("CFG scale").orElseThrow());
    }

    @Test
    void randomValuesSurviveQuoting() {
        Random r = new Random(7);
        String alphabet = "ab ,:\"\\\n\t\u0001é猫😀x";
        for (int i = 0; i < 2000; i++) {
            StringBuilder v = new StringBuilder();
            int len = 1 + r.nextInt(12);
            for (int k = 0; k < len; k++) {
                v.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String value = "v" + v + "z";
            String text = Infotext.format("p", "", java.util.Map.of("Steps", "1", "Sampler", "Euler", "Key", value));
            assertEquals(value, Infotext.parse(text).field("Key").orElse(null), () -> text);
        }
    }

    @Test
    void pythonFloatRepr() {
        assertEquals("0.1", PyText.floatRepr(0.1));
        assertEquals("1e-05", PyText.floatRepr(1e-5));
        assertEquals("0.0001", PyText.floatRepr(1e-4));
        assertEquals("1e+16", PyText.floatRepr(1e16));
        assertEquals("1234567890123456.0", PyText.floatRepr(1234567890123456.0));
        assertEquals("-2.5e-07", PyText.floatRepr(-2.5e-7));
        assertEquals("0.30000000000000004", PyText.floatRepr(0.1 + 0.2));
        assertEquals("7", Infotext.number(7.0));
        assertEquals("7.5", Infotext.number(7.5));
    }

    /** A hang guard, not a speed measurement: a backtracking regex would take minutes on these. */
    @Test
    void longInputsDoNotHang() {
        String word = "a".repeat(200_000);
        String quoted = "\"" + "\\\"".repeat(100_000);
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
            Infotext.parse("p\n" + word + ", Steps: 1, Sampler: x, Seed: 2");
            Infotext.parse("p\nSteps: 1, Sampler: x, Seed: " + quoted);
        });
    }
}
