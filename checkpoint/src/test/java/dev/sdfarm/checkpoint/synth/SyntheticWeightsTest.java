package dev.sdfarm.checkpoint.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.anatomy.TensorLayout;
import dev.sdfarm.checkpoint.anatomy.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticWeightsTest {
    private static final String UNET = "model.diffusion_model.";
    private static final long[] SEEDS = {0, 7, -1};

    /**
     * The UNet ResBlocks' GroupNorms (in_layers.0, out_layers.0) and the output head's (out.0) have no "norm" in
     * their names; their scales must still come out near 1, not near 0 like biases.
     */
    @Test
    void resBlockGroupNormScalesAreNearOne() {
        for (String name : List.of(UNET + "input_blocks.1.0.in_layers.0.weight",
                UNET + "input_blocks.1.0.out_layers.0.weight", UNET + "output_blocks.11.0.in_layers.0.weight",
                UNET + "middle_block.2.out_layers.0.weight", UNET + "out.0.weight")) {
            for (long seed : SEEDS) {
                for (boolean twin : new boolean[] {false, true}) {
                    float[] v = values(name, new long[] {320}, seed, twin);
                    double mean = 0;
                    for (float x : v) {
                        assertTrue(Math.abs(x - 1) <= 0.01f, name + " seed " + seed + ": " + x);
                        mean += x;
                    }
                    mean /= v.length;
                    assertEquals(1, mean, 0.002, name + " seed " + seed);
                }
            }
        }
    }

    @Test
    void biasesStaySmall() {
        for (String name : List.of(UNET + "input_blocks.1.0.in_layers.0.bias", UNET + "input_blocks.1.0.in_layers.2.bias",
                UNET + "input_blocks.1.0.out_layers.0.bias", UNET + "out.0.bias",
                "first_stage_model.decoder.norm_out.bias")) {
            for (long seed : SEEDS) {
                float[] v = values(name, new long[] {320}, seed, false);
                double mean = 0;
                for (float x : v) {
                    assertTrue(Math.abs(x) <= 0.02f, name + " seed " + seed + ": " + x);
                    mean += Math.abs(x);
                }
                assertTrue(mean / v.length < 0.015, name + " mean |v| " + mean / v.length);
            }
        }
    }

    /** In the whole SD1.5 layout, every one-dimensional weight is a norm scale near 1 and every bias is small. */
    @Test
    void everyVectorWeightOfTheSd15LayoutIsANormScale() {
        ArchitecturePreset p = ArchitecturePreset.SD15;
        int scales = 0;
        for (TensorLayout layout : List.of(p.unetLayout(), p.vaeLayout(), p.textEncoderLayout())) {
            for (TensorSpec s : layout.specs()) {
                if (s.rank() != 1 || s.fixedDtype().isPresent()) {
                    continue;
                }
                float[] v = values(s.key(), s.shape(), 7, false);
                if (s.key().endsWith(".weight")) {
                    scales++;
                    for (float x : v) {
                        assertTrue(Math.abs(x - 1) <= 0.01f, s.key() + ": " + x);
                    }
                } else if (s.key().endsWith(".bias")) {
                    for (float x : v) {
                        assertTrue(Math.abs(x) <= 0.02f, s.key() + ": " + x);
                    }
                }
            }
        }
        // UNet: 61 GroupNorms (45 in ResBlocks and the head, 16 in SpatialTransformers) and 48 LayerNorms;
        // VAE: 52 GroupNorms; text encoder: 25 LayerNorms.
        assertEquals(61 + 48 + 52 + 25, scales);
    }

    private static float[] values(String name, long[] shape, long seed, boolean twin) {
        float[] v = new float[(int) shape[0]];
        SyntheticWeights.forTensor(name, shape, seed, twin).fill(0, v, v.length);
        return v;
    }
}
