package dev.sdfarm.diffusion.unet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.diffusion.clip.ClipFixtures;
import dev.sdfarm.diffusion.cpu.CpuBackend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import dev.sdfarm.diffusion.vae.VaeDecoder;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The UNet and VAE decoder against the CompVis LDM modules run on the same tiny SD1 checkpoint (fixtures and
 * their provenance in {@code src/test/fixtures/unet}).
 */
class UNetTest {
    private static final double TOLERANCE = 1e-3;

    @ParameterizedTest
    @ValueSource(strings = {"case0", "case1"})
    void noisePredictionMatchesTheLdmUNet(String name) throws Exception {
        try (Checkpoint model = Checkpoint.open(ClipFixtures.checkpoint());
             Checkpoint ref = fixture("unet-step.safetensors");
             CpuBackend cpu = new CpuBackend(2, true)) {
            UNet unet = UNet.load(cpu, model);
            float[] t = floats(ref, name + ".t");
            double[] timesteps = new double[t.length];
            for (int i = 0; i < t.length; i++) {
                timesteps[i] = t[i];
            }
            Tensor eps = unet.predictNoise(tensor(cpu, ref, name + ".x"), timesteps, tensor(cpu, ref, name + ".context"));
            assertEquals(Shape.of(ref.tensor(name + ".eps").orElseThrow().shape()), eps.shape());
            double err = ClipFixtures.maxAbsDiff(floats(ref, name + ".eps"), cpu.toFloats(eps));
            System.out.printf("UNet %s: max abs error %.2e%n", name, err);
            assertTrue(err <= TOLERANCE, name + ": max abs error " + err);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"decode"})
    void vaeDecodeMatchesTheLdmDecoder(String name) throws Exception {
        try (Checkpoint model = Checkpoint.open(ClipFixtures.checkpoint());
             Checkpoint ref = fixture("vae-decode.safetensors");
             CpuBackend cpu = new CpuBackend(2, true)) {
            Tensor image = VaeDecoder.load(cpu, model).decode(tensor(cpu, ref, name + ".latent"));
            double err = ClipFixtures.maxAbsDiff(floats(ref, name + ".image"), cpu.toFloats(image));
            System.out.printf("VAE decode: max abs error %.2e%n", err);
            assertTrue(err <= TOLERANCE, "max abs error " + err);
        }
    }

    private static Checkpoint fixture(String name) throws IOException, URISyntaxException {
        return Checkpoint.open(Path.of(UNetTest.class.getResource(name).toURI()));
    }

    private static Tensor tensor(CpuBackend cpu, Checkpoint ref, String name) throws IOException {
        StoredTensor t = ref.tensor(name).orElseThrow();
        return cpu.upload(floats(ref, name), Shape.of(t.shape()));
    }

    private static float[] floats(Checkpoint ref, String name) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(ref.readAll(ref.tensor(name).orElseThrow())).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }
}
