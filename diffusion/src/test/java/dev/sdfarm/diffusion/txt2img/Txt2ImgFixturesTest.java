package dev.sdfarm.diffusion.txt2img;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.diffusion.txt2img.Txt2ImgFixtures.Case;
import dev.sdfarm.diffusion.unet.UNetFixtures.Tensor;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The txt2img references load with the documented settings and shapes, and are finite and non-degenerate. */
class Txt2ImgFixturesTest {
    @Test
    void everyCaseLoadsWithItsSettings() {
        List<Case> cases = Txt2ImgFixtures.cases();
        Map<String, Case> byName = cases.stream().collect(Collectors.toMap(Case::name, c -> c));
        assertEquals(List.of("euler", "euler-a", "dpmpp-2m", "ddim", "heun", "euler-a-batch2", "euler-a-cpu"),
                cases.stream().map(Case::name).toList());
        for (Case c : cases) {
            assertEquals(4, c.steps(), c.name());
            assertEquals(7.0, c.cfgScale(), c.name());
            assertEquals(64, c.width());
            assertEquals(64, c.height());
            assertEquals(1, c.clipSkip());
            assertEquals("Automatic", c.scheduler());
            assertEquals(c.name().equals("euler-a-cpu") ? "CPU" : "NV", c.randnSource());
            assertEquals(c.name().equals("euler-a-batch2") ? List.of(42L, 43L) : List.of(42L), c.seeds());
            int n = c.batch();
            assertArrayEquals(new long[] {n, 4, 8, 8}, c.noise().shape(), c.name());
            assertArrayEquals(new long[] {n, 77, 64}, c.cond().shape(), c.name());
            assertArrayEquals(new long[] {n, 77, 64}, c.uncond().shape(), c.name());
            assertArrayEquals(new long[] {n, 4, 8, 8}, c.latent().shape(), c.name());
            assertArrayEquals(new long[] {n, 3, 64, 64}, c.decoded().shape(), c.name());
            assertEquals(n * 64 * 64 * 3, c.image().length, c.name());
            for (Tensor t : List.of(c.noise(), c.cond(), c.uncond(), c.latent(), c.decoded())) {
                assertFinite(c.name(), t.data());
                assertTrue(t.std() > 1e-3, c.name() + " " + t);
            }
            // cond and uncond run in one UNet batch of 2n every evaluation
            for (long b : c.unetBatches()) {
                assertEquals(2L * n, b, c.name());
            }
            assertEquals(n, c.infotexts().size());
            for (int i = 0; i < n; i++) {
                String info = c.infotexts().get(i);
                assertTrue(info.startsWith(Txt2ImgFixtures.PROMPT + "\nNegative prompt: "
                        + Txt2ImgFixtures.NEGATIVE_PROMPT + "\nSteps: 4, Sampler: " + c.sampler() + ", Schedule type: "),
                        info);
                assertTrue(info.contains(", CFG scale: 7, Seed: " + c.seeds().get(i) + ", Size: 64x64, Model hash: "
                        + Txt2ImgFixtures.CHECKPOINT_SHA256.substring(0, 10) + ", Model: tiny-seed7-fp32, RNG: "
                        + c.randnSource() + ", Version: v1.10.1"), info);
            }
            if (c.sampler().equals("DDIM")) {
                assertNull(c.sigmas());
                assertArrayEquals(new long[] {1, 251, 501, 751}, c.timesteps());
                assertEquals(3, c.unetBatches().size());
            } else {
                assertNull(c.timesteps());
                assertNotNull(c.sigmas());
                float[] s = c.sigmas().data();
                assertEquals(5, s.length);
                assertEquals(14.614643f, s[0], 1e-5f);
                assertEquals(0.029167f, s[3], 1e-5f);
                assertEquals(0f, s[4]);
                assertEquals(c.sampler().equals("Heun") ? 7 : 4, c.unetBatches().size(), c.name());
            }
            // the uint8 image is the truncated 255 * clamp((decoded + 1) / 2) in float32
            float[] d = c.decoded().data();
            byte[] img = c.image();
            for (int b = 0; b < n; b++) {
                for (int ch = 0; ch < 3; ch++) {
                    for (int p = 0; p < 64 * 64; p++) {
                        float x = Math.min(Math.max((d[(b * 3 + ch) * 4096 + p] + 1.0f) / 2.0f, 0f), 1f);
                        int expected = (int) (255.0f * x);
                        assertEquals(expected, img[(b * 4096 + p) * 3 + ch] & 0xff, c.name());
                    }
                }
            }
        }
        // batches are reproducible per image: seed 42 in a batch of two gives the single-image noise exactly
        float[] single = byName.get("euler-a").noise().data();
        float[] pair = byName.get("euler-a-batch2").noise().data();
        for (int i = 0; i < single.length; i++) {
            assertEquals(single[i], pair[i]);
        }
        assertTrue(byName.get("dpmpp-2m").infotexts().get(0).contains("Schedule type: Karras"));
        assertTrue(byName.get("euler").infotexts().get(0).contains("Schedule type: Automatic"));
    }

    private static void assertFinite(String what, float[] v) {
        for (float x : v) {
            assertTrue(Float.isFinite(x), what);
        }
    }
}
