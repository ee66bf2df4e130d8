package dev.sdfarm.diffusion.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import dev.sdfarm.diffusion.unet.UNetFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * The VAE encoder against the CompVis LDM {@code AutoencoderKL.encode} run on the tiny SD1 checkpoint (the
 * {@code encode.*} tensors of {@code vae-decode.safetensors}; provenance in {@code src/test/fixtures/unet/README.md}).
 *
 * <p>Observed on the CPU backend: max abs error 3.4e-6 for the moments, 2.6e-6 for the mean and 2.0e-6 for the
 * std (tolerance 1e-3; the oracle's own float32-vs-float64 deviation is 1.6e-6); the image conversion from 8-bit pixels is bit-exact.
 *
 * <p>The checkpoint is synthesized here (tiny preset, seed 7, fp32) and checked by a digest of its VAE tensors
 * alone rather than the whole file's sha256: the VAE is what these references describe, and it is unchanged by
 * synthesizer revisions that touch only other components' tensors.
 */
class VaeEncoderTest {
    /** sha256 over the {@code first_stage_model.*} tensors of the tiny seed-7 fp32 checkpoint (name, then bytes, by name). */
    static final String VAE_DIGEST = "419d307800c022fa246fe38e9fbb27366fea42c52d3a6f688f7ec132e543ce62";

    @TempDir
    static Path dir;
    private static Checkpoint model;
    private static CpuBackend cpu;

    @BeforeAll
    static void synthesize() throws IOException {
        Path p = dir.resolve("tiny-seed7-fp32.safetensors");
        Synthesizer.write(p, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, CheckpointFormat.SAFETENSORS,
                DType.F32, false, false, 7), true, Progress.NONE);
        model = Checkpoint.open(p);
        cpu = new CpuBackend(2, true);
    }

    @AfterAll
    static void close() throws IOException {
        cpu.close();
        model.close();
    }

    @Test
    void checkpointHasTheVaeTheReferencesWereMadeFrom() throws IOException {
        assertEquals(VAE_DIGEST, vaeDigest(model));
    }

    @Test
    void eightBitPixelsBecomeTheImageWebuiEncodes() {
        UNetFixtures.VaeEncodeCase c = UNetFixtures.vaeEncode();
        assertArrayEquals(c.image().data(), VaeEncoder.pixelsToImage(c.pixelsU8(), 64, 64));
    }

    @Test
    void posteriorMatchesTheLdmEncoder() {
        UNetFixtures.VaeEncodeCase c = UNetFixtures.vaeEncode();
        VaeEncoder encoder = VaeEncoder.load(cpu, model);
        Tensor image = encoder.image(c.pixelsU8(), 64, 64);
        Tensor moments = encoder.moments(image);
        assertEquals(Shape.of(1, 8, 8, 8), moments.shape());
        double errMoments = UNetFixtures.maxAbsDiff(c.moments().data(), cpu.toFloats(moments));
        VaeEncoder.Posterior posterior = encoder.encode(image);
        assertEquals(Shape.of(1, 4, 8, 8), posterior.mean().shape());
        assertEquals(Shape.of(1, 4, 8, 8), posterior.std().shape());
        double errMean = UNetFixtures.maxAbsDiff(c.mean().data(), cpu.toFloats(posterior.mean()));
        double errStd = UNetFixtures.maxAbsDiff(c.std().data(), cpu.toFloats(posterior.std()));
        System.out.printf("VAE encode: max abs error moments %.2e, mean %.2e, std %.2e (reference std %.3f / %.3f)%n",
                errMoments, errMean, errStd, c.mean().std(), c.std().std());
        assertTrue(errMoments <= UNetFixtures.TOLERANCE, "moments: max abs error " + errMoments);
        assertTrue(errMean <= UNetFixtures.TOLERANCE, "mean: max abs error " + errMean);
        assertTrue(errStd <= UNetFixtures.TOLERANCE, "std: max abs error " + errStd);

        float[] latents = cpu.toFloats(encoder.latents(image));
        float[] mean = cpu.toFloats(posterior.mean());
        for (int i = 0; i < mean.length; i++) {
            assertEquals(mean[i] * 0.18215f, latents[i], "latent " + i);
        }
    }

    @Test
    void batchesEncodeEachImageAsAlone() {
        UNetFixtures.VaeEncodeCase c = UNetFixtures.vaeEncode();
        VaeEncoder encoder = VaeEncoder.load(cpu, model);
        float[] one = c.image().data();
        float[] flipped = new float[one.length];
        for (int i = 0; i < one.length; i++) {
            flipped[i] = -one[one.length - 1 - i];
        }
        float[] two = new float[2 * one.length];
        System.arraycopy(flipped, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        VaeEncoder.Posterior both = encoder.encode(cpu.upload(two, Shape.of(2, 3, 64, 64)));
        float[] mean = cpu.toFloats(both.mean());
        float[] std = cpu.toFloats(both.std());
        int half = mean.length / 2;
        assertTrue(UNetFixtures.maxAbsDiff(c.mean().data(), java.util.Arrays.copyOfRange(mean, half, mean.length)) <= 1e-5);
        assertTrue(UNetFixtures.maxAbsDiff(c.std().data(), java.util.Arrays.copyOfRange(std, half, std.length)) <= 1e-5);
        float[] alone = cpu.toFloats(encoder.encode(cpu.upload(flipped, Shape.of(1, 3, 64, 64))).mean());
        assertTrue(UNetFixtures.maxAbsDiff(alone, java.util.Arrays.copyOfRange(mean, 0, half)) <= 1e-5);
    }

    @Test
    void sizesThatAreNotMultiplesOf8ShrinkAsTorchDoes() {
        // 20 -> 10 -> 5 -> 2 and 28 -> 14 -> 7 -> 3: each pad (0, 1, 0, 1) + stride-2 conv takes floor(n / 2)
        VaeEncoder encoder = VaeEncoder.load(cpu, model);
        Tensor image = cpu.upload(new float[3 * 20 * 28], Shape.of(1, 3, 20, 28));
        assertEquals(Shape.of(1, 8, 2, 3), encoder.moments(image).shape());
    }

    static String vaeDigest(Checkpoint checkpoint) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<StoredTensor> vae = checkpoint.tensors().stream().filter(t -> t.name().startsWith("first_stage_model."))
                .sorted(java.util.Comparator.comparing(StoredTensor::name)).toList();
        for (StoredTensor t : vae) {
            md.update(t.name().getBytes(StandardCharsets.UTF_8));
            md.update(checkpoint.readAll(t));
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
