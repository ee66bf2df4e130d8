package dev.sdfarm.diffusion.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.diffusion.clip.ClipFixtures;
import dev.sdfarm.diffusion.unet.UNetFixtures.Tensor;
import dev.sdfarm.diffusion.unet.UNetFixtures.UNetCase;
import dev.sdfarm.diffusion.unet.UNetFixtures.VaeDecodeCase;
import dev.sdfarm.diffusion.unet.UNetFixtures.VaeEncodeCase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fixture helper works: the references load with the documented shapes and are finite and non-degenerate. */
class UNetFixturesTest {
    /** Far more than the tolerance. */
    private static final double DISTINCT = 100 * UNetFixtures.TOLERANCE;

    @Test
    void checkpointHasTheUNetTheFixturesDescribe() throws Exception {
        try (Checkpoint c = Checkpoint.open(UNetFixtures.checkpoint())) {
            StoredTensor out = c.tensor(UNetFixtures.UNET_PREFIX + "out.2.weight").orElseThrow();
            assertArrayEquals(new long[] {4, 32, 3, 3}, out.shape());
            // The GroupNorm scales whose names carry no "norm" (every ResBlock's in_layers.0 / out_layers.0, and
            // out.0) are near 1 like the other norm scales, so the residual branches and the head carry full weight.
            int scales = 0;
            for (StoredTensor t : c.tensors()) {
                if (!t.name().startsWith(UNetFixtures.UNET_PREFIX)) {
                    continue;
                }
                String key = t.name().substring(UNetFixtures.UNET_PREFIX.length());
                if (key.endsWith(".in_layers.0.weight") || key.endsWith(".out_layers.0.weight")
                        || key.equals("out.0.weight")) {
                    scales++;
                    assertEquals(DType.F32, t.dtype());
                    assertEquals(1, t.rank(), t.name());
                    for (float v : ClipFixtures.floats(c, t.name(), t.shape())) {
                        assertTrue(Math.abs(v - 1) <= 0.01f, t.name() + ": " + v);
                    }
                }
            }
            assertEquals(45, scales);
            assertTrue(c.tensor(UNetFixtures.VAE_PREFIX + "decoder.conv_out.weight").isPresent());
        }
        assertEquals(UNetFixtures.CHECKPOINT_SHA256, UNetFixtures.metadata(UNetFixtures.VAE).get("checkpoint_sha256"));
        assertEquals(UNetFixtures.CHECKPOINT_SHA256,
                UNetFixtures.metadata(UNetFixtures.UNET_STEP).get("checkpoint_sha256"));
    }

    @Test
    void unetReferencesLoadWithTheDocumentedShapes() {
        List<UNetCase> cases = UNetFixtures.unet();
        assertEquals(2, cases.size());
        long[][] shapes = {{2, 4, 8, 8}, {1, 4, 16, 24}};
        float[][] times = {{999f, 421f}, {637.25f}};
        for (int i = 0; i < 2; i++) {
            UNetCase a = cases.get(i);
            assertEquals("case" + i, a.name());
            assertArrayEquals(shapes[i], a.x().shape());
            assertArrayEquals(shapes[i], a.eps().shape());
            assertArrayEquals(times[i], a.timesteps());
            assertArrayEquals(new long[] {a.batch(), 77, 64}, a.context().shape());
            assertArrayEquals(new long[] {a.batch(), 32}, a.tEmb().shape());
            assertArrayEquals(new long[] {a.batch(), 128}, a.emb().shape());
            assertSane(a.x(), 0.5, 2);
            assertSane(a.context(), 0.5, 2);
            assertSane(a.tEmb(), 0.3, 1);
            assertSane(a.emb(), 0.01, 1);
            assertSane(a.eps(), 0.1, 2);
            assertTrue(a.eps().maxAbs() > DISTINCT, "eps says something at the tolerance: " + a.eps().maxAbs());
            Map<String, long[]> expected = UNetFixtures.blockShapes(a.batch(), (int) shapes[i][2], (int) shapes[i][3]);
            List<String> names = i == 0 ? List.copyOf(expected.keySet())
                    : List.of("input_blocks.0", "middle_block", "output_blocks.0");
            assertEquals(names, List.copyOf(a.blocks().keySet()));
            for (String n : names) {
                assertArrayEquals(expected.get(n), a.blocks().get(n).shape(), n);
                assertSane(a.blocks().get(n), 0.02, 2);
            }
        }
        // t_emb = cat(cos(t f), sin(t f)), f[j] = exp(-ln(10000) j / 16): the documented formula, to 1e-4.
        UNetCase c = cases.get(0);
        for (int n = 0; n < c.batch(); n++) {
            for (int j = 0; j < 16; j++) {
                double arg = c.timesteps()[n] * Math.exp(-Math.log(10000) * j / 16);
                assertEquals(Math.cos(arg), c.tEmb().data()[n * 32 + j], 1e-4);
                assertEquals(Math.sin(arg), c.tEmb().data()[n * 32 + 16 + j], 1e-4);
            }
        }
        assertTrue(UNetFixtures.maxAbsDiff(UNetFixtures.unet().get(0).eps().data(), c.eps().data())
                == 0, "loads deterministically");
    }

    @Test
    void vaeReferencesLoadWithTheDocumentedShapes() {
        VaeDecodeCase d = UNetFixtures.vaeDecode();
        assertSane(d.latent(), 0.5, 2);
        for (int i = 0; i < d.z().numel(); i++) {
            assertEquals(d.latent().data()[i] / UNetFixtures.SCALE_FACTOR, d.z().data()[i], 1e-5);
        }
        assertEquals(List.of("decode.post_quant_conv", "decode.conv_in", "decode.mid.block_1", "decode.mid.attn_1",
                "decode.mid.block_2", "decode.up.3"), List.copyOf(d.stages().keySet()));
        for (Tensor t : d.stages().values()) {
            assertSane(t, 0.3, 10);
        }
        assertArrayEquals(new long[] {1, 3, 64, 64}, d.image().shape());
        assertSane(d.image(), 0.1, 2);
        assertTrue(d.image().maxAbs() > 1 && d.image().maxAbs() < 10, "exercises the clamp: " + d.image().maxAbs());
        // image_u8 is A1111's conversion of image: float32 (x + 1) / 2, clamp, 255 * v, truncate; HWC.
        assertEquals(64 * 64 * 3, d.imageU8().length);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    float v = Math.min(Math.max((d.image().data()[(ch * 64 + y) * 64 + x] + 1.0f) / 2.0f, 0f), 1f);
                    assertEquals((int) (255.0f * v), d.imageU8()[(y * 64 + x) * 3 + ch] & 0xff);
                }
            }
        }

        VaeEncodeCase e = UNetFixtures.vaeEncode();
        assertEquals(64 * 64 * 3, e.pixelsU8().length);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                for (int ch = 0; ch < 3; ch++) {
                    float want = (e.pixelsU8()[(y * 64 + x) * 3 + ch] & 0xff) / 255.0f * 2 - 1;
                    assertEquals(want, e.image().data()[(ch * 64 + y) * 64 + x], 1e-6f);
                }
            }
        }
        assertSane(e.moments(), 0.05, 2);
        assertSane(e.mean(), 0.05, 2);
        for (int i = 0; i < e.mean().numel(); i++) {
            assertEquals(e.moments().data()[i], e.mean().data()[i]);                 // channels 0-3
            double logvar = Math.min(Math.max(e.moments().data()[256 + i], -30), 20); // channels 4-7
            assertEquals(Math.exp(0.5 * logvar), e.std().data()[i], 1e-6);
        }
    }

    /** Finite, and the std within [lo, hi]. */
    private static void assertSane(Tensor t, double lo, double hi) {
        for (float v : t.data()) {
            assertTrue(Float.isFinite(v), "non-finite value in " + t);
        }
        double std = t.std();
        assertTrue(std >= lo && std <= hi, t + " std " + std + " outside [" + lo + ", " + hi + "]");
    }
}
