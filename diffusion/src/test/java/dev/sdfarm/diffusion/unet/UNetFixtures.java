package dev.sdfarm.diffusion.unet;

import dev.sdfarm.diffusion.TestResources;
import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.diffusion.clip.ClipFixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reference fixtures for the SD1 UNet (one eps prediction) and the VAE (decode and encode), made by running the
 * CompVis ldm modules themselves ({@code openaimodel.UNetModel}, {@code attention.SpatialTransformer},
 * {@code model.Encoder/Decoder} inside {@code AutoencoderKL}) in float32 on the tiny synthetic checkpoint; see
 * {@code diffusion/src/test/fixtures/unet/README.md}.
 *
 * <p>The checkpoint is {@link ClipFixtures#checkpoint()} (tiny preset, seed 7, fp32, sha256 checked). Tensors are
 * {@code float[]} in row-major (C) order with their shape alongside; image bytes are HWC (PNG order).
 *
 * <p>Every GroupNorm scale of the checkpoint's UNet (ResBlock {@code in_layers.0} / {@code out_layers.0},
 * {@code out.0}, SpatialTransformer {@code norm}) is uniform in 1 ± 0.01, as the synthesizer draws norm scales, so
 * the ResBlocks' residual branches and the output head carry full weight: eps has a std of ~0.33.
 */
public final class UNetFixtures {
    /** The tolerance the fixtures are meant for (max abs difference), UNet and VAE. */
    public static final double TOLERANCE = 1e-3;
    /** sha256 of the fp32 tiny checkpoint the fixtures were made from ({@link ClipFixtures#checkpoint()}). */
    public static final String CHECKPOINT_SHA256 = ClipFixtures.CHECKPOINT_SHA256_FP32;
    public static final String UNET_PREFIX = "model.diffusion_model.";
    public static final String VAE_PREFIX = "first_stage_model.";
    /** v1-inference.yaml {@code scale_factor}; ldm decodes {@code first_stage_model.decode(1. / 0.18215 * latent)}. */
    public static final double SCALE_FACTOR = 0.18215;

    // The tiny preset's UNet (ArchitecturePreset.TINY_SD1).
    public static final int MODEL_CHANNELS = 32;
    public static final int[] CHANNEL_MULT = {1, 2, 4, 4};
    public static final int NUM_RES_BLOCKS = 2;
    public static final int HEADS = 8;
    public static final int CONTEXT_DIM = 64;
    public static final int CONTEXT_LENGTH = 77;
    public static final int LATENT_CHANNELS = 4;
    public static final int TIME_EMBED_DIM = 4 * MODEL_CHANNELS;

    public static final String UNET_STEP = "unet-step.safetensors";
    public static final String VAE = "vae-decode.safetensors";

    /** A float32 tensor: its shape and its elements in row-major order. */
    public record Tensor(long[] shape, float[] data) {
        public int numel() {
            return data.length;
        }

        public double std() {
            double mean = 0;
            for (float v : data) {
                mean += v;
            }
            mean /= data.length;
            double s = 0;
            for (float v : data) {
                s += (v - mean) * (v - mean);
            }
            return Math.sqrt(s / data.length);
        }

        public double maxAbs() {
            double m = 0;
            for (float v : data) {
                m = Math.max(m, Math.abs(v));
            }
            return m;
        }

        @Override
        public String toString() {
            return "Tensor" + Arrays.toString(shape);
        }
    }

    /**
     * One UNet forward: {@code eps = UNetModel(x, timesteps=t, context=context)}.
     *
     * @param name       "case0" (batch 2, 8x8, t 999 and 421) or "case1" (batch 1, 16x24, t 637.25)
     * @param x          [N, 4, H, W]
     * @param timesteps  [N]; whole numbers as DDIM passes them, or fractional as k-diffusion does
     * @param context    [N, 77, 64]
     * @param tEmb       {@code timestep_embedding(t, 32)}, [N, 32]: {@code cat(cos(t*f), sin(t*f))},
     *                   {@code f[i] = exp(-ln(10000) * i / 16)}, all float32
     * @param emb        {@code time_embed(tEmb)} (Linear, SiLU, Linear), [N, 128]
     * @param blocks     outputs of {@code input_blocks.<i>}, {@code middle_block}, {@code output_blocks.<i>} in
     *                   forward order; all of them for case0, input_blocks.0 / middle_block / output_blocks.0
     *                   for case1 (shapes: {@link #blockShapes})
     * @param eps        [N, 4, H, W]
     */
    public record UNetCase(String name, Tensor x, float[] timesteps, Tensor context, Tensor tEmb, Tensor emb,
                           Map<String, Tensor> blocks, Tensor eps) {
        public int batch() {
            return (int) x.shape()[0];
        }
    }

    /**
     * A1111 decode of a sampler's final latent.
     *
     * @param latent  [1, 4, 8, 8] the latent as the sampler leaves it
     * @param z       {@code 1. / 0.18215 * latent} in float32 (ldm {@code decode_first_stage}), the input of
     *                {@code first_stage_model.decode}
     * @param stages  decoder intermediates in forward order: {@code decode.post_quant_conv} [1,4,8,8],
     *                {@code decode.conv_in}, {@code decode.mid.block_1}, {@code decode.mid.attn_1},
     *                {@code decode.mid.block_2} [1,128,8,8], {@code decode.up.3} (after its upsample) [1,128,16,16]
     * @param image   [1, 3, 64, 64] decoder output, not clamped
     * @param imageU8 [64, 64, 3] HWC: A1111's {@code (255. * clamp((image + 1.0) / 2.0, 0, 1)).astype(uint8)},
     *                float32 arithmetic, truncated (not rounded)
     */
    public record VaeDecodeCase(Tensor latent, Tensor z, Map<String, Tensor> stages, Tensor image, byte[] imageU8) {
    }

    /**
     * VAE encode of an init image (img2img): {@code moments = quant_conv(encoder(image))}.
     *
     * @param pixelsU8 [64, 64, 3] HWC the image as loaded
     * @param image    [1, 3, 64, 64] {@code (pixels / 255f) * 2 - 1}
     * @param moments  [1, 8, 8, 8] mean (channels 0-3) then log-variance (4-7, unclamped)
     * @param mean     [1, 4, 8, 8]
     * @param std      [1, 4, 8, 8] {@code exp(0.5 * clamp(logvar, -30, 20))}
     */
    public record VaeEncodeCase(byte[] pixelsU8, Tensor image, Tensor moments, Tensor mean, Tensor std) {
    }


    private UNetFixtures() {
    }

    /** The fp32 tiny checkpoint the fixtures were made from (sha256 checked). */
    public static Path checkpoint() {
        return ClipFixtures.checkpoint();
    }

    /** The UNet references: case0 then case1. */
    public static List<UNetCase> unet() {
        try (Checkpoint cp = open(UNET_STEP)) {
            List<UNetCase> out = new ArrayList<>();
            for (String name : List.of("case0", "case1")) {
                Tensor x = tensor(cp, name + ".x");
                long[] s = x.shape();
                if (s.length != 4 || s[1] != LATENT_CHANNELS) {
                    throw new IllegalStateException(name + ".x has shape " + Arrays.toString(s));
                }
                int n = (int) s[0];
                float[] t = floats(cp, name + ".t", n).data();
                Map<String, Tensor> blocks = new LinkedHashMap<>();
                for (Map.Entry<String, long[]> e : blockShapes(n, (int) s[2], (int) s[3]).entrySet()) {
                    String key = name + "." + e.getKey();
                    if (cp.tensor(key).isPresent()) {
                        blocks.put(e.getKey(), floats(cp, key, e.getValue()));
                    }
                }
                out.add(new UNetCase(name, x, t, floats(cp, name + ".context", n, CONTEXT_LENGTH, CONTEXT_DIM),
                        floats(cp, name + ".t_emb", n, MODEL_CHANNELS), floats(cp, name + ".emb", n, TIME_EMBED_DIM),
                        Collections.unmodifiableMap(blocks), floats(cp, name + ".eps", s)));
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static VaeDecodeCase vaeDecode() {
        try (Checkpoint cp = open(VAE)) {
            Map<String, Tensor> stages = new LinkedHashMap<>();
            stages.put("decode.post_quant_conv", floats(cp, "decode.post_quant_conv", 1, 4, 8, 8));
            for (String s : List.of("decode.conv_in", "decode.mid.block_1", "decode.mid.attn_1", "decode.mid.block_2")) {
                stages.put(s, floats(cp, s, 1, 128, 8, 8));
            }
            stages.put("decode.up.3", floats(cp, "decode.up.3", 1, 128, 16, 16));
            return new VaeDecodeCase(floats(cp, "decode.latent", 1, 4, 8, 8), floats(cp, "decode.z", 1, 4, 8, 8),
                    Collections.unmodifiableMap(stages), floats(cp, "decode.image", 1, 3, 64, 64),
                    bytes(cp, "decode.image_u8", 64, 64, 3));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static VaeEncodeCase vaeEncode() {
        try (Checkpoint cp = open(VAE)) {
            return new VaeEncodeCase(bytes(cp, "encode.pixels_u8", 64, 64, 3), floats(cp, "encode.image", 1, 3, 64, 64),
                    floats(cp, "encode.moments", 1, 8, 8, 8), floats(cp, "encode.mean", 1, 4, 8, 8),
                    floats(cp, "encode.std", 1, 4, 8, 8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The shape of every UNet block output for an [n, 4, h, w] input (h, w divisible by 8), in forward order:
     * {@code input_blocks.0..11}, {@code middle_block}, {@code output_blocks.0..11}. Level {@code l} has
     * {@code 32 * CHANNEL_MULT[l]} channels at {@code h >> l}; input blocks 3, 6, 9 downsample; output blocks 2, 5,
     * 8 upsample (their output is at the next level's resolution).
     */
    public static Map<String, long[]> blockShapes(int n, int h, int w) {
        Map<String, long[]> out = new LinkedHashMap<>();
        int levels = CHANNEL_MULT.length;
        int i = 0;
        out.put("input_blocks." + i++, new long[] {n, MODEL_CHANNELS, h, w});
        for (int l = 0; l < levels; l++) {
            int ch = MODEL_CHANNELS * CHANNEL_MULT[l];
            for (int r = 0; r < NUM_RES_BLOCKS; r++) {
                out.put("input_blocks." + i++, new long[] {n, ch, h >> l, w >> l});
            }
            if (l < levels - 1) {
                out.put("input_blocks." + i++, new long[] {n, ch, h >> (l + 1), w >> (l + 1)});
            }
        }
        int deepest = MODEL_CHANNELS * CHANNEL_MULT[levels - 1];
        out.put("middle_block", new long[] {n, deepest, h >> (levels - 1), w >> (levels - 1)});
        int o = 0;
        for (int l = levels - 1; l >= 0; l--) {
            int ch = MODEL_CHANNELS * CHANNEL_MULT[l];
            for (int r = 0; r <= NUM_RES_BLOCKS; r++) {
                int shift = (r == NUM_RES_BLOCKS && l > 0) ? l - 1 : l;
                out.put("output_blocks." + o++, new long[] {n, ch, h >> shift, w >> shift});
            }
        }
        return out;
    }

    /** Header metadata of a fixture file (checkpoint, sha256, upstream commit, fp32_deviation.*, ...). */
    public static Map<String, String> metadata(String file) {
        try (Checkpoint cp = Checkpoint.open(resource(file))) {
            return Map.copyOf(cp.metadata());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Largest absolute element difference; the arrays must have the same length. */
    public static double maxAbsDiff(float[] a, float[] b) {
        return ClipFixtures.maxAbsDiff(a, b);
    }

    /** A fixture file from the test resources beside this class, as a file path. */
    public static Path resource(String name) {
        return TestResources.path(UNetFixtures.class, name);
    }

    private static Checkpoint open(String file) throws IOException {
        Checkpoint cp = Checkpoint.open(resource(file));
        String recorded = cp.metadata().get("checkpoint_sha256");
        if (!CHECKPOINT_SHA256.equals(recorded)) {
            cp.close();
            throw new IllegalStateException(file + " was made from the checkpoint with sha256 " + recorded + ", not "
                    + CHECKPOINT_SHA256 + "; regenerate the fixtures or fix the pinned hash");
        }
        return cp;
    }

    private static Tensor tensor(Checkpoint cp, String name) throws IOException {
        StoredTensor t = cp.tensor(name).orElseThrow(
                () -> new IllegalArgumentException(cp.path().getFileName() + " has no tensor " + name));
        return floats(cp, name, t.shape());
    }

    private static Tensor floats(Checkpoint cp, String name, long... shape) throws IOException {
        return new Tensor(shape.clone(), ClipFixtures.floats(cp, name, shape));
    }

    private static byte[] bytes(Checkpoint cp, String name, long... shape) throws IOException {
        StoredTensor t = cp.tensor(name).orElseThrow(
                () -> new IllegalArgumentException(cp.path().getFileName() + " has no tensor " + name));
        if (t.dtype() != DType.U8 || !Arrays.equals(t.shape(), shape)) {
            throw new IllegalStateException(cp.path().getFileName() + ": " + name + " is " + t.dtype().displayName()
                    + " " + t.shapeString() + ", expected U8 " + Arrays.toString(shape));
        }
        return cp.readAll(t);
    }
}
