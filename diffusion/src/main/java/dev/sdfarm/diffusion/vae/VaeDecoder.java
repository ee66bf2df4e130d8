package dev.sdfarm.diffusion.vae;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.anatomy.AutoencoderConfig;
import dev.sdfarm.checkpoint.anatomy.CheckpointListing;
import dev.sdfarm.checkpoint.anatomy.ModelAnatomy;
import dev.sdfarm.diffusion.ModelLoadException;
import dev.sdfarm.diffusion.ModelWeights;
import dev.sdfarm.diffusion.tensor.Activation;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import java.util.List;

/**
 * The VAE decoder of SD1.x ({@code AutoencoderKL.decode} of the LDM code, weights under
 * {@code first_stage_model.}): {@code post_quant_conv}, then the decoder's middle (two residual blocks around a
 * single-head attention over all pixels) and its levels of residual blocks with nearest-neighbour upsampling,
 * ending in norm, SiLU and a convolution to RGB in [-1, 1].
 */
public final class VaeDecoder {
    /** SD1.x latents are the VAE's latents times this ({@code scale_factor} of the LDM config). */
    public static final float SCALE_FACTOR = 0.18215f;
    static final String PREFIX = "first_stage_model.";
    private static final int GROUPS = 32;
    private static final float NORM_EPS = 1e-6f;

    private final Backend backend;
    private final AutoencoderConfig config;
    private final ModelWeights w;

    private VaeDecoder(Backend backend, AutoencoderConfig config, ModelWeights weights) {
        this.backend = backend;
        this.config = config;
        this.w = weights;
    }

    /** The VAE decoder of a checkpoint of a known architecture; the checkpoint must stay open while it is used. */
    public static VaeDecoder load(Backend backend, Checkpoint checkpoint) {
        ModelAnatomy anatomy = ModelAnatomy.of(CheckpointListing.ofStored(checkpoint.tensors(), List.of()));
        AutoencoderConfig config = anatomy.architecture().map(a -> a.vae()).orElseThrow(() -> new ModelLoadException(
                checkpoint.path().getFileName() + " is " + anatomy.description().displayName()
                        + ", not a layout whose VAE the engine knows (SD1.x)"));
        return new VaeDecoder(backend, config, new ModelWeights(backend, checkpoint, PREFIX, "an SD1.x checkpoint"));
    }

    public AutoencoderConfig config() {
        return config;
    }

    /**
     * About how many bytes of activations decoding one image of this size holds at once on the CPU: around the
     * last upsampling, four full-resolution tensors of the second level's width (256 channels for SD1.x).
     */
    public long peakBytes(int width, int height) {
        int channels = config.ch() * config.chMult().get(Math.min(1, config.chMult().size() - 1));
        return 4L * channels * width * height * Float.BYTES;
    }

    /**
     * Images {@code [b, 3, 8h, 8w]} in [-1, 1] (not clamped) for SD latents {@code [b, 4, h, w]}: the latents are
     * divided by {@link #SCALE_FACTOR} first, as {@code decode_first_stage} does.
     */
    public Tensor decode(Tensor latents) {
        Tensor z = backend.scale(latents, 1f / SCALE_FACTOR);
        z = conv(z, "post_quant_conv", 0);
        String d = "decoder.";
        Tensor h = conv(z, d + "conv_in", 1);
        h = resBlock(d + "mid.block_1.", h);
        h = attention(d + "mid.attn_1.", h);
        h = resBlock(d + "mid.block_2.", h);
        for (int level = config.chMult().size() - 1; level >= 0; level--) {
            for (int b = 0; b <= config.numResBlocks(); b++) {
                h = resBlock(d + "up." + level + ".block." + b + ".", h);
            }
            if (level != 0) {
                h = conv(backend.upsampleNearest2x(h), d + "up." + level + ".upsample.conv", 1);
            }
        }
        h = backend.activation(groupNorm(h, d + "norm_out"), Activation.SILU);
        return conv(h, d + "conv_out", 1);
    }

    private Tensor resBlock(String p, Tensor x) {
        Tensor h = conv(backend.activation(groupNorm(x, p + "norm1"), Activation.SILU), p + "conv1", 1);
        h = conv(backend.activation(groupNorm(h, p + "norm2"), Activation.SILU), p + "conv2", 1);
        Tensor skip = w.has(p + "nin_shortcut.weight") ? conv(x, p + "nin_shortcut", 0) : x;
        return backend.add(skip, h);
    }

    /** {@code AttnBlock}: one head over all pixels, 1×1-convolution projections, residual. */
    private Tensor attention(String p, Tensor x) {
        int b = x.dim(0);
        int c = x.dim(1);
        int pixels = x.dim(2) * x.dim(3);
        Tensor h = groupNorm(x, p + "norm");
        Tensor q = rows(conv(h, p + "q", 0), b, c, pixels);
        Tensor k = rows(conv(h, p + "k", 0), b, c, pixels);
        Tensor v = rows(conv(h, p + "v", 0), b, c, pixels);
        Tensor a = backend.transpose(backend.attention(q, k, v, 1, false));
        return backend.add(x, conv(backend.reshape(a, x.shape()), p + "proj_out", 0));
    }

    /** {@code [b, c, h, w]} as one row of {@code c} channels per pixel: {@code [b, h·w, c]}. */
    private Tensor rows(Tensor x, int b, int c, int pixels) {
        return backend.transpose(backend.reshape(x, Shape.of(b, c, pixels)));
    }

    private Tensor conv(Tensor x, String name, int padding) {
        return backend.conv2d(x, w.get(name + ".weight"), w.get(name + ".bias"), 1, padding);
    }

    private Tensor groupNorm(Tensor x, String name) {
        return backend.groupNorm(x, GROUPS, w.get(name + ".weight"), w.get(name + ".bias"), NORM_EPS);
    }
}
