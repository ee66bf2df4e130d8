package dev.sdfarm.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * txt2img end to end against AUTOMATIC1111's own sampling code (k-diffusion, CFGDenoiser, its DDIM, ImageRNG) around
 * the LDM UNet, VAE and CLIP on the tiny SD1 checkpoint as synthesized (fixtures and provenance in
 * {@code src/test/fixtures/txt2img}): Euler, Euler a (NV and CPU noise, batch of two), DPM++ 2M, DDIM and Heun,
 * 4 steps, CFG 7.
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
