package dev.sdfarm.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.diffusion.clip.ClipFixtures;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.rng.NoiseSource;
import dev.sdfarm.diffusion.sample.SamplerParams;
import dev.sdfarm.diffusion.txt2img.Txt2ImgFixtures;
import dev.sdfarm.diffusion.unet.UNetFixtures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several requests in one sampling run: each request still gets A1111's images for it (checked against the
 * txt2img oracle fixtures) and the images of its own render, while sharing the UNet batch with requests that have
 * other prompts, composable parts, a longer (two-chunk) prompt, another CFG scale, CLIP skip and batch size.
 */
class BatchedTxt2ImgTest {
    /** More than 75 tokens: two chunks, so its cond rows (154 tokens) go through the UNet apart from the rest. */
    private static final String LONG_PROMPT = ("a detailed oil painting of an old stone castle on a "
            + "green hill under a stormy sky, ").repeat(5) + "AND lightning over the sea:0.6";

    private static Checkpoint checkpoint;
    private static CpuBackend cpu;
    private static StableDiffusion model;

    @BeforeAll
    static void load() throws IOException {
        checkpoint = Checkpoint.open(ClipFixtures.checkpoint());
        cpu = new CpuBackend(2, true);
        model = StableDiffusion.load(cpu, checkpoint, "tiny-seed7-fp32", ClipFixtures.CHECKPOINT_SHA256_FP32);
    }

    @AfterAll
    static void close() throws IOException {
        cpu.close();
        checkpoint.close();
    }

    static Stream<Txt2ImgFixtures.Case> singleImageCases() {
        return Txt2ImgFixtures.cases().stream().filter(c -> c.batch() == 1);
    }

    @ParameterizedTest
    @MethodSource("singleImageCases")
    void eachRequestOfABatchGetsItsOwnImages(Txt2ImgFixtures.Case c) {
        Txt2ImgRequest fixture = Txt2ImgTest.request(c);
        Txt2ImgRequest other = new Txt2ImgRequest(LONG_PROMPT, "", 1234, fixture.steps(), fixture.sampler(),
                fixture.scheduler(), 5.5, fixture.width(), fixture.height(), 2, 2, fixture.noiseSource(),
                fixture.samplerParams());
        assertEquals(154, model.conditioner().condition(LONG_PROMPT, "", 2, false).cond().tokens(),
                "the long prompt should take two chunks");
        List<Integer> evaluations = new ArrayList<>();
        List<List<RenderedImage>> batch = Txt2Img.render(model, List.of(other, fixture),
                (done, total) -> evaluations.add(done));

        Txt2ImgTest.assertMatchesA1111(c, batch.get(1), " (batched)");
        assertSameImages(Txt2Img.render(model, other, null), batch.get(0), c.name());
        assertEquals(c.unetBatches().size(), evaluations.size(), "one progress report per model evaluation");
    }

    @Test
    void requestsOfDifferentBatchSizesShareARun() {
        Txt2ImgFixtures.Case one = Txt2ImgFixtures.get("euler-a");
        Txt2ImgFixtures.Case two = Txt2ImgFixtures.get("euler-a-batch2");
        Txt2ImgRequest third = Txt2ImgTest.request(one).withSeed(7);
        Txt2ImgRequest composable = new Txt2ImgRequest("a cat AND a hat:0.5 AND a boat:-0.3", "ugly", 99,
                third.steps(), third.sampler(), third.scheduler(), 9, third.width(), third.height(), 1, 1,
                third.noiseSource(), third.samplerParams());
        List<List<RenderedImage>> batch = Txt2Img.render(model,
                List.of(Txt2ImgTest.request(two), composable, Txt2ImgTest.request(one), third), null);

        Txt2ImgTest.assertMatchesA1111(two, batch.get(0), " (batched)");
        Txt2ImgTest.assertMatchesA1111(one, batch.get(2), " (batched)");
        assertSameImages(Txt2Img.render(model, composable, null), batch.get(1), "composable");
        assertSameImages(Txt2Img.render(model, third, null), batch.get(3), "seed 7");
    }

    @Test
    void requestsThatSampleDifferentlyAreRefused() {
        Txt2ImgRequest a = Txt2ImgTest.request(Txt2ImgFixtures.get("euler"));
        Txt2ImgRequest moreSteps = new Txt2ImgRequest(a.prompt(), a.negativePrompt(), a.seed(), a.steps() + 1,
                a.sampler(), a.scheduler(), a.cfgScale(), a.width(), a.height(), 1, 1, a.noiseSource(),
                a.samplerParams());
        Txt2ImgRequest cpuNoise = new Txt2ImgRequest(a.prompt(), a.negativePrompt(), a.seed(), a.steps(),
                a.sampler(), a.scheduler(), a.cfgScale(), a.width(), a.height(), 1, 1, NoiseSource.CPU,
                a.samplerParams());
        Txt2ImgRequest eta = new Txt2ImgRequest(a.prompt(), a.negativePrompt(), a.seed(), a.steps(), a.sampler(),
                a.scheduler(), a.cfgScale(), a.width(), a.height(), 1, 1, a.noiseSource(),
                new SamplerParams(0.5, 0, 0, 0, 1));
        for (Txt2ImgRequest b : List.of(moreSteps, cpuNoise, eta)) {
            assertTrue(!a.samplesWith(b) && !b.samplesWith(a), b.toString());
            assertThrows(IllegalArgumentException.class, () -> Txt2Img.render(model, List.of(a, b), null));
        }
        assertTrue(a.samplesWith(a.withSeed(5)));
    }

    /** Latents within float32 rounding of the solo render's, every pixel within 1, the same infotexts. */
    private static void assertSameImages(List<RenderedImage> solo, List<RenderedImage> batched, String label) {
        assertEquals(solo.size(), batched.size(), label);
        for (int i = 0; i < solo.size(); i++) {
            float[] expected = solo.get(i).latent();
            double err = UNetFixtures.maxAbsDiff(expected, batched.get(i).latent());
            double scale = 0;
            for (float v : expected) {
                scale = Math.max(scale, Math.abs(v));
            }
            byte[] a = solo.get(i).pixels().pixels();
            byte[] b = batched.get(i).pixels().pixels();
            int worst = 0;
            for (int p = 0; p < a.length; p++) {
                worst = Math.max(worst, Math.abs((a[p] & 0xff) - (b[p] & 0xff)));
            }
            System.out.printf("batched vs solo %s image %d: latent max abs error %.2e, worst pixel %d%n", label, i,
                    err, worst);
            assertTrue(err <= 1e-5 * scale, label + ": latent error " + err + " vs scale " + scale);
            assertTrue(worst <= 1, label + ": a pixel differs by " + worst);
            assertEquals(solo.get(i).infotext(), batched.get(i).infotext(), label);
            assertEquals(solo.get(i).seed(), batched.get(i).seed(), label);
        }
    }
}
