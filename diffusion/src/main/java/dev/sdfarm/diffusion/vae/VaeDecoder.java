package dev.sdfarm.diffusion.vae;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.anatomy.AutoencoderConfig;
import dev.sdfarm.checkpoint.anatomy.CheckpointListing;
import dev.sdfarm.checkpoint.anatomy.ModelAnatomy;
import dev.sdfarm.diffusion.ModelLoadException;
import dev.sdfarm.diffusion.ModelWeights;
import dev.sdfarm.diffusion.tensor.Backend;
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
    private final Backend backend;
    private final AutoencoderConfig config;
    private final VaeBlocks blocks;

    private VaeDecoder(Backend backend, AutoencoderConfig config, ModelWeights weights) {
        this.backend = backend;
        this.config = config;
        this.blocks = new VaeBlocks(backend, weights);
    }

    /** The VAE decoder of a checkpoint of a known architecture; the checkpoint must stay open while it is used. */
    public static VaeDecoder load(Backend backend, Checkpoint checkpoint) {
        return new VaeDecoder(backend, config(checkpoint), weights(backend, checkpoint));
    }

    public AutoencoderConfig config() {
        return config;
    }

    /** The VAE configuration of a checkpoint of a known architecture. */
    static AutoencoderConfig config(Checkpoint checkpoint) {
        ModelAnatomy anatomy = ModelAnatomy.of(CheckpointListing.ofStored(checkpoint.tensors(), List.of()));
        return anatomy.architecture().map(a -> a.vae()).orElseThrow(() -> new ModelLoadException(
                checkpoint.path().getFileName() + " is " + anatomy.description().displayName()
                        + ", not a layout whose VAE the engine knows (SD1.x)"));
    }

    static ModelWeights weights(Backend backend, Checkpoint checkpoint) {
        return new ModelWeights(backend, checkpoint, PREFIX, "an SD1.x checkpoint");
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
        z = blocks.conv(z, "post_quant_conv", 0);
        String d = "decoder.";
        Tensor h = blocks.conv(z, d + "conv_in", 1);
        h = blocks.resBlock(d + "mid.block_1.", h);
        h = blocks.attention(d + "mid.attn_1.", h);
        h = blocks.resBlock(d + "mid.block_2.", h);
        for (int level = config.chMult().size() - 1; level >= 0; level--) {
            for (int b = 0; b <= config.numResBlocks(); b++) {
                h = blocks.resBlock(d + "up." + level + ".block." + b + ".", h);
            }
            if (level != 0) {
                h = blocks.conv(backend.upsampleNearest2x(h), d + "up." + level + ".upsample.conv", 1);
            }
        }
        return blocks.head(d, h);
    }
}
