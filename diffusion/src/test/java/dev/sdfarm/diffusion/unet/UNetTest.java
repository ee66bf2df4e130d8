package dev.sdfarm.diffusion.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import dev.sdfarm.diffusion.vae.VaeDecoder;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The UNet and VAE decoder against the CompVis LDM modules run on the same tiny SD1 checkpoint (fixtures and
 * their provenance in {@code src/test/fixtures/unet}); its norm scales are near 1, so the ResBlocks' residual
 * branches carry full weight (noise predictions with std 0.33).
 */
class UNetTest {
    @Test
    void noisePredictionMatchesTheLdmUNet() throws IOException {
        try (Checkpoint model = Checkpoint.open(UNetFixtures.checkpoint()); CpuBackend cpu = new CpuBackend(2, true)) {
            UNet unet = UNet.load(cpu, model);
            for (UNetFixtures.UNetCase c : UNetFixtures.unet()) {
                double[] timesteps = new double[c.timesteps().length];
                for (int i = 0; i < timesteps.length; i++) {
                    timesteps[i] = c.timesteps()[i];
                }
                Tensor eps = unet.predictNoise(upload(cpu, c.x()), timesteps, upload(cpu, c.context()));
                assertArrayEquals(c.eps().shape(), toLongs(eps.shape()), c.name());
                double err = UNetFixtures.maxAbsDiff(c.eps().data(), cpu.toFloats(eps));
                System.out.printf("UNet %s: max abs error %.2e (reference std %.3f)%n", c.name(), err, c.eps().std());
                assertTrue(err <= UNetFixtures.TOLERANCE, c.name() + ": max abs error " + err);
            }
        }
    }

    @Test
    void sizesThatAreNotMultiplesOf64RenderAsA1111Does() throws IOException {
        try (Checkpoint model = Checkpoint.open(UNetFixtures.checkpoint()); CpuBackend cpu = new CpuBackend(1, true)) {
            Tensor x = cpu.upload(new float[4 * 9 * 5], Shape.of(1, 4, 9, 5));
            Tensor eps = UNet.load(cpu, model).predictNoise(x, new double[] {500}, cpu.upload(new float[77 * 64],
                    Shape.of(1, 77, 64)));
            org.junit.jupiter.api.Assertions.assertEquals(Shape.of(1, 4, 9, 5), eps.shape());
        }
    }

    @Test
    void vaeDecodeMatchesTheLdmDecoder() throws IOException {
        UNetFixtures.VaeDecodeCase c = UNetFixtures.vaeDecode();
        try (Checkpoint model = Checkpoint.open(UNetFixtures.checkpoint()); CpuBackend cpu = new CpuBackend(2, true)) {
            Tensor image = VaeDecoder.load(cpu, model).decode(upload(cpu, c.latent()));
            assertArrayEquals(c.image().shape(), toLongs(image.shape()));
            double err = UNetFixtures.maxAbsDiff(c.image().data(), cpu.toFloats(image));
            System.out.printf("VAE decode: max abs error %.2e (reference std %.3f)%n", err, c.image().std());
            assertTrue(err <= UNetFixtures.TOLERANCE, "max abs error " + err);
        }
    }

    private static Tensor upload(CpuBackend cpu, UNetFixtures.Tensor t) {
        return cpu.upload(t.data(), Shape.of(t.shape()));
    }

    private static long[] toLongs(Shape s) {
        long[] out = new long[s.rank()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.dim(i);
        }
        return out;
    }
}
