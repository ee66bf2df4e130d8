package dev.sdfarm.diffusion.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import dev.sdfarm.diffusion.TestResources;
import dev.sdfarm.diffusion.clip.ClipFixtures;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.rng.NoiseSource;
import dev.sdfarm.diffusion.sample.Sampler;
import dev.sdfarm.diffusion.sample.SamplerParams;
import dev.sdfarm.diffusion.sample.Scheduler;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import dev.sdfarm.diffusion.unet.UNetFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SD1 inpainting models (9 UNet input channels) against the CompVis LDM UNet with {@code in_channels=9} and
 * A1111's {@code txt2img_image_conditioning} on the LDM VAE, run on the tiny inpainting checkpoint (fixture and
 * provenance in {@code src/test/fixtures/unet/INPAINTING.md}).
 *
 * <p>Observed on the CPU backend: eps max abs error 1.5e-6 (case0) and 1.6e-6 (case1); image conditioning
 * 8.7e-6 (64x64) and 9.8e-6 (56x40), the size of the oracle's own float32-vs-float64 deviation there
 * (8.6e-6, 9.8e-6); tolerance 1e-3.
 */
class InpaintingTest {
    /** sha256 of {@code sdfarm synth OUT --preset tiny-inpainting --seed 7 --dtype fp32}. */
    static final String CHECKPOINT_SHA256 = "51387e594ea29a842c6a180c263d8ebf7850bdb1e24cb2ffa94a37ac1759c957";
    static final String FIXTURE = "inpainting.safetensors";

    @TempDir
    static Path dir;
    private static Checkpoint checkpoint;
    private static Checkpoint fixture;
    private static CpuBackend cpu;
    private static StableDiffusion model;

    @BeforeAll
    static void load() throws IOException {
        Path p = dir.resolve("tiny-inpainting-seed7-fp32.safetensors");
        Synthesizer.write(p, new Synthesizer.Options(ArchitecturePreset.TINY_SD1_INPAINTING,
                CheckpointFormat.SAFETENSORS, DType.F32, false, false, 7), true, Progress.NONE);
        assertEquals(CHECKPOINT_SHA256, sha256(p), "the synthesizer's tiny-inpainting output changed; regenerate "
                + "the fixture (src/test/fixtures/unet/INPAINTING.md) and update the pinned hashes");
        checkpoint = Checkpoint.open(p);
        fixture = Checkpoint.open(TestResources.path(UNetFixtures.class, FIXTURE));
        assertEquals(CHECKPOINT_SHA256, fixture.metadata().get("checkpoint_sha256"));
        cpu = new CpuBackend(2, true);
        model = StableDiffusion.load(cpu, checkpoint, "tiny-inpainting", CHECKPOINT_SHA256);
    }

    @AfterAll
    static void close() throws IOException {
        cpu.close();
        fixture.close();
        checkpoint.close();
    }

    @Test
    void loadsAsAnInpaintingModel() {
        assertTrue(model.inpainting());
        assertEquals(9, model.unet().config().inChannels());
    }

    @Test
    void noisePredictionFromNineChannelsMatchesTheLdmUNet() throws IOException {
        for (String c : List.of("case0", "case1")) {
            Tensor x = tensor(c + ".x");
            float[] t = ClipFixtures.floats(fixture, c + ".t", x.dim(0));
            double[] timesteps = new double[t.length];
            for (int i = 0; i < t.length; i++) {
                timesteps[i] = t[i];
            }
            Tensor eps = model.unet().predictNoise(x, timesteps, tensor(c + ".context"));
            assertEquals(Shape.of(x.dim(0), 4, 8, 8), eps.shape());
            float[] expected = ClipFixtures.floats(fixture, c + ".eps", shape(c + ".eps"));
            double err = UNetFixtures.maxAbsDiff(expected, cpu.toFloats(eps));
            System.out.printf("inpainting UNet %s: max abs error %.2e%n", c, err);
            assertTrue(err <= UNetFixtures.TOLERANCE, c + ": max abs error " + err);
        }
    }

    @Test
    void txt2imgImageConditioningMatchesA1111WithThePosteriorMean() throws IOException {
        for (int[] size : new int[][] {{64, 64}, {40, 56}}) {
            String name = "cond_" + size[0] + "x" + size[1] + ".image_conditioning";
            long[] shape = shape(name);
            assertArrayEquals(new long[] {1, 5, size[0] / 8, size[1] / 8}, shape);
            float[] expected = ClipFixtures.floats(fixture, name, shape);
            float[] actual = Txt2Img.imageConditioning(model, size[1], size[0]);
            double err = UNetFixtures.maxAbsDiff(expected, actual);
            System.out.printf("inpainting image conditioning %dx%d: max abs error %.2e%n", size[1], size[0], err);
            assertTrue(err <= UNetFixtures.TOLERANCE, name + ": max abs error " + err);
            int plane = size[0] / 8 * (size[1] / 8);
            for (int i = 0; i < plane; i++) {
                assertEquals(1f, actual[i], "mask channel");
            }
        }
    }

    @Test
    void rendersTxt2ImgWithTheConditioningConcatenated() {
        for (Sampler sampler : List.of(Sampler.byName("Euler a"), Sampler.byName("DDIM"))) {
            Txt2ImgRequest r = new Txt2ImgRequest("a photo of a cat", "blurry", 7, 2, sampler, Scheduler.AUTOMATIC,
                    7, 64, 48, 2, 1, NoiseSource.CPU, SamplerParams.DEFAULTS);
            List<RenderedImage> images = Txt2Img.render(model, r, null);
            assertEquals(2, images.size());
            for (RenderedImage image : images) {
                assertEquals(4 * 6 * 8, image.latent().length);
                for (float v : image.latent()) {
                    assertTrue(Float.isFinite(v));
                }
                assertEquals(64 * 48 * 3, image.pixels().pixels().length);
            }
        }
    }

    @Test
    void rejectsALatentWithoutTheConditioningChannels() {
        Tensor x = cpu.upload(new float[4 * 8 * 8], Shape.of(1, 4, 8, 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.unet().predictNoise(x,
                new double[] {500}, cpu.upload(new float[77 * 64], Shape.of(1, 77, 64))));
        assertTrue(e.getMessage().contains("inpainting"), e.getMessage());
    }

    private static Tensor tensor(String name) throws IOException {
        long[] shape = shape(name);
        return cpu.upload(ClipFixtures.floats(fixture, name, shape), Shape.of(shape));
    }

    private static long[] shape(String name) {
        return fixture.tensor(name).map(StoredTensor::shape).orElseThrow();
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
