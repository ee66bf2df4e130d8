package dev.sdfarm.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.diffusion.clip.ClipFixtures;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.rng.NoiseSource;
import dev.sdfarm.diffusion.sample.Sampler;
import dev.sdfarm.diffusion.sample.SamplerParams;
import dev.sdfarm.diffusion.sample.Scheduler;
import dev.sdfarm.diffusion.txt2img.Txt2ImgFixtures;
import dev.sdfarm.diffusion.unet.UNetFixtures;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * txt2img end to end against AUTOMATIC1111's own sampling code (k-diffusion, CFGDenoiser, its DDIM, ImageRNG) around
 * the LDM UNet, VAE and CLIP on the tiny SD1 checkpoint as synthesized (fixtures and provenance in
 * {@code src/test/fixtures/txt2img}): Euler, Euler a (NV and CPU noise, batch of two), DPM++ 2M, DDIM and Heun,
 * 4 steps, CFG 7; and the same cases sampled in one run with other requests ({@link Batched}).
 */
class Txt2ImgTest {
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

    static Stream<Txt2ImgFixtures.Case> cases() {
        return Txt2ImgFixtures.cases().stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void finalLatentImageAndInfotextMatchA1111(Txt2ImgFixtures.Case c) {
        assertMatchesA1111(c, Txt2Img.render(model, request(c), null), "");
    }

    /** The engine's request for a fixture case. */
    static Txt2ImgRequest request(Txt2ImgFixtures.Case c) {
        return new Txt2ImgRequest(Txt2ImgFixtures.PROMPT, Txt2ImgFixtures.NEGATIVE_PROMPT, c.seeds().getFirst(),
                c.steps(), Sampler.byName(c.sampler()), Scheduler.byName(c.scheduler()), c.cfgScale(), c.width(),
                c.height(), c.batch(), c.clipSkip(), NoiseSource.fromSetting(c.randnSource()), SamplerParams.DEFAULTS);
    }

    /** Latents within 1e-3 of their scale, every pixel within 1, infotexts equal but for the version. */
    static void assertMatchesA1111(Txt2ImgFixtures.Case c, List<RenderedImage> images, String label) {
        assertEquals(c.batch(), images.size());
        float[] latent = concat(images.stream().map(RenderedImage::latent).toList());
        double scale = c.latent().maxAbs();
        double err = UNetFixtures.maxAbsDiff(c.latent().data(), latent);
        int worstPixel = 0;
        double squared = 0;
        int pixels = c.image().length / c.batch();
        for (int i = 0; i < c.batch(); i++) {
            byte[] ours = images.get(i).pixels().pixels();
            for (int p = 0; p < pixels; p++) {
                int d = Math.abs((ours[p] & 0xff) - (c.image()[i * pixels + p] & 0xff));
                worstPixel = Math.max(worstPixel, d);
                squared += d * d;
            }
        }
        double mse = squared / c.image().length;
        double psnr = mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse);
        System.out.printf("txt2img %s%s: latent max abs error %.2e (max |latent| %.1f), worst pixel %d, PSNR %.1f dB%n",
                c.name(), label, err, scale, worstPixel, psnr);
        assertTrue(psnr >= 40, c + ": PSNR " + psnr + " dB");
        assertTrue(err <= 1e-3 * scale, c + ": latent max abs error " + err + " vs max |latent| " + scale);
        assertTrue(worstPixel <= 1, c + ": a pixel differs by " + worstPixel);
        for (int i = 0; i < c.batch(); i++) {
            assertEquals(withoutVersion(c.infotexts().get(i)), withoutVersion(images.get(i).infotext()), c.name());
        }
    }

    /**
     * Several requests in one sampling run: each request still gets A1111's images for it (checked against the
     * txt2img oracle fixtures) and the images of its own render, while sharing the UNet batch with requests that have
     * other prompts, composable parts, a longer (two-chunk) prompt, another CFG scale, CLIP skip and batch size.
     */
    @Nested
    class Batched {
        /** More than 75 tokens: two chunks, so its cond rows (154 tokens) go through the UNet apart from the rest. */
        private static final String LONG_PROMPT = ("a detailed oil painting of an old stone castle on a "
                + "green hill under a stormy sky, ").repeat(5) + "AND lightning over the sea:0.6";

        static Stream<Txt2ImgFixtures.Case> singleImageCases() {
            return Txt2ImgFixtures.cases().stream().filter(c -> c.batch() == 1);
        }

        @ParameterizedTest
        @MethodSource("singleImageCases")
        void eachRequestOfABatchGetsItsOwnImages(Txt2ImgFixtures.Case c) {
            Txt2ImgRequest fixture = request(c);
            Txt2ImgRequest other = new Txt2ImgRequest(LONG_PROMPT, "", 1234, fixture.steps(), fixture.sampler(),
                    fixture.scheduler(), 5.5, fixture.width(), fixture.height(), 2, 2, fixture.noiseSource(),
                    fixture.samplerParams());
            assertEquals(154, model.conditioner().condition(LONG_PROMPT, "", 2, false).cond().tokens(),
                    "the long prompt should take two chunks");
            List<Integer> evaluations = new ArrayList<>();
            List<List<RenderedImage>> batch = Txt2Img.render(model, List.of(other, fixture),
                    (done, total) -> evaluations.add(done));

            assertMatchesA1111(c, batch.get(1), " (batched)");
            assertSameImages(Txt2Img.render(model, other, null), batch.get(0), c.name());
            assertEquals(c.unetBatches().size(), evaluations.size(), "one progress report per model evaluation");
        }

        @Test
        void requestsOfDifferentBatchSizesShareARun() {
            Txt2ImgFixtures.Case one = Txt2ImgFixtures.get("euler-a");
            Txt2ImgFixtures.Case two = Txt2ImgFixtures.get("euler-a-batch2");
            Txt2ImgRequest third = request(one).withSeed(7);
            Txt2ImgRequest composable = new Txt2ImgRequest("a cat AND a hat:0.5 AND a boat:-0.3", "ugly", 99,
                    third.steps(), third.sampler(), third.scheduler(), 9, third.width(), third.height(), 1, 1,
                    third.noiseSource(), third.samplerParams());
            List<List<RenderedImage>> batch = Txt2Img.render(model,
                    List.of(request(two), composable, request(one), third), null);

            assertMatchesA1111(two, batch.get(0), " (batched)");
            assertMatchesA1111(one, batch.get(2), " (batched)");
            assertSameImages(Txt2Img.render(model, composable, null), batch.get(1), "composable");
            assertSameImages(Txt2Img.render(model, third, null), batch.get(3), "seed 7");
        }

        @Test
        void requestsThatSampleDifferentlyAreRefused() {
            Txt2ImgRequest a = request(Txt2ImgFixtures.get("euler"));
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

    private static String withoutVersion(String infotext) {
        return infotext.replaceAll(", Version: [^,]*$", "");
    }

    private static float[] concat(List<float[]> parts) {
        int size = parts.getFirst().length;
        float[] out = new float[parts.size() * size];
        for (int i = 0; i < parts.size(); i++) {
            System.arraycopy(parts.get(i), 0, out, i * size, size);
        }
        return out;
    }
}
