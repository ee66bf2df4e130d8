package dev.sdfarm.diffusion.unet;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.anatomy.CheckpointListing;
import dev.sdfarm.checkpoint.anatomy.ModelAnatomy;
import dev.sdfarm.checkpoint.anatomy.UNetConfig;
import dev.sdfarm.diffusion.ModelLoadException;
import dev.sdfarm.diffusion.ModelWeights;
import dev.sdfarm.diffusion.tensor.Activation;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The SD1.x denoising UNet ({@code openaimodel.UNetModel} of the LDM code, weights under
 * {@code model.diffusion_model.}): a sinusoidal timestep embedding and its MLP; residual blocks that add the
 * embedding; spatial transformers (self-attention, cross-attention on the text conditioning, GEGLU feed-forward)
 * on the levels the config names; strided-convolution downsampling, nearest-neighbour upsampling and skip
 * connections. Predicts the noise (epsilon) in a latent at a timestep.
 */
public final class UNet {
    static final String PREFIX = "model.diffusion_model.";
    private static final int GROUPS = 32;
    private static final float RES_NORM_EPS = 1e-5f;
    private static final float TRANSFORMER_NORM_EPS = 1e-6f;
    private static final float LAYER_NORM_EPS = 1e-5f;

    private final Backend backend;
    private final UNetConfig config;
    private final ModelWeights w;

    private UNet(Backend backend, UNetConfig config, ModelWeights weights) {
        this.backend = backend;
        this.config = config;
        this.w = weights;
    }

    /**
     * The UNet of {@code checkpoint}, whose layout must be one of the known architectures (SD1.x, SD1.x
     * inpainting, or the tiny test network). The checkpoint must stay open while the UNet is used.
     */
    public static UNet load(Backend backend, Checkpoint checkpoint) {
        ModelAnatomy anatomy = ModelAnatomy.of(CheckpointListing.ofStored(checkpoint.tensors(), List.of()));
        UNetConfig config = anatomy.architecture()
                .map(a -> a.unet())
                .orElseThrow(() -> new ModelLoadException(checkpoint.path().getFileName() + " is "
                        + anatomy.description().displayName() + ", not a UNet layout the engine knows (SD1.x)"));
        if (config.useLinearInTransformer() || config.admInChannels() != 0) {
            throw new ModelLoadException(checkpoint.path().getFileName() + " is " + anatomy.description().displayName()
                    + "; the engine renders SD1.x models so far");
        }
        return new UNet(backend, config, new ModelWeights(backend, checkpoint, PREFIX, "an SD1.x checkpoint"));
    }

    public UNetConfig config() {
        return config;
    }

    /**
     * The predicted noise for latents {@code x [b, in, h, w]} at {@code timesteps} (one per batch item, in
     * 0..999) under {@code context [b, tokens, contextDim]}; same shape as {@code x} but with the out channels.
     * An inpainting UNet's 9 input channels are the latent, then the conditioning image A1111 concatenates
     * ({@code c_concat}: mask, masked-image latent); its output has the latent's 4.
     */
    public Tensor predictNoise(Tensor x, double[] timesteps, Tensor context) {
        int batch = x.dim(0);
        if (x.shape().rank() != 4 || x.dim(1) != config.inChannels()) {
            throw new IllegalArgumentException("UNet input " + x.shape() + " is not [b, " + config.inChannels()
                    + ", h, w]" + (config.inChannels() == 9 ? " (an inpainting UNet: latent, mask, masked-image latent)"
                    : ""));
        }
        if (timesteps.length != batch || context.dim(0) != batch) {
            throw new IllegalArgumentException("batch of " + batch + " latents, " + timesteps.length
                    + " timesteps and " + context.dim(0) + " conditionings");
        }
        Tensor t = backend.upload(TimestepEmbedding.sinusoidal(timesteps, config.modelChannels()),
                Shape.of(batch, config.modelChannels()));
        Tensor emb = backend.linear(backend.activation(backend.linear(t, w.get("time_embed.0.weight"),
                w.get("time_embed.0.bias")), Activation.SILU), w.get("time_embed.2.weight"), w.get("time_embed.2.bias"));
        Tensor embSilu = backend.activation(emb, Activation.SILU);

        Deque<Tensor> skips = new ArrayDeque<>();
        Tensor h = conv(x, "input_blocks.0.0", 1, 1);
        skips.push(h);
        int block = 1;
        int ds = 1;
        List<Integer> mult = config.channelMult();
        for (int level = 0; level < mult.size(); level++) {
            for (int r = 0; r < config.numResBlocks(); r++) {
                String p = "input_blocks." + block + ".";
                h = resBlock(p + "0.", h, embSilu);
                if (config.attentionResolutions().contains(ds)) {
                    h = transformer(p + "1.", h, context, config.transformerDepth().get(level));
                }
                skips.push(h);
                block++;
            }
            if (level != mult.size() - 1) {
                h = conv(h, "input_blocks." + block + ".0.op", 2, 1);
                skips.push(h);
                block++;
                ds *= 2;
            }
        }
        h = resBlock("middle_block.0.", h, embSilu);
        h = transformer("middle_block.1.", h, context, config.transformerDepth().getLast());
        h = resBlock("middle_block.2.", h, embSilu);
        block = 0;
        for (int level = mult.size() - 1; level >= 0; level--) {
            for (int r = 0; r <= config.numResBlocks(); r++) {
                String p = "output_blocks." + block + ".";
                h = resBlock(p + "0.", withSkip(h, skips.pop()), embSilu);
                int layer = 1;
                if (config.attentionResolutions().contains(ds)) {
                    h = transformer(p + "1.", h, context, config.transformerDepth().get(level));
                    layer = 2;
                }
                if (level != 0 && r == config.numResBlocks()) {
                    h = conv(backend.upsampleNearest2x(h), p + layer + ".conv", 1, 1);
                    ds /= 2;
                }
                block++;
            }
        }
        h = backend.activation(groupNorm(h, "out.0", RES_NORM_EPS), Activation.SILU);
        return conv(h, "out.2", 1, 1);
    }

    /**
     * {@code cat([h, skip])} along channels. When the latent size is not a multiple of 8 the upsampled path comes
     * back a pixel larger than the skip; A1111 ({@code sd_hijack_unet}) then resizes it to the skip's size with
     * nearest-neighbour interpolation, so every multiple of 8 pixels renders.
     */
    private Tensor withSkip(Tensor h, Tensor skip) {
        if (h.dim(2) != skip.dim(2) || h.dim(3) != skip.dim(3)) {
            h = backend.resizeNearest(h, skip.dim(2), skip.dim(3));
        }
        return backend.concat(1, h, skip);
    }

    /** {@code ResBlock}: two norm-SiLU-conv stages with the timestep embedding added between, plus the skip. */
    private Tensor resBlock(String p, Tensor x, Tensor embSilu) {
        Tensor h = backend.activation(groupNorm(x, p + "in_layers.0", RES_NORM_EPS), Activation.SILU);
        h = conv(h, p + "in_layers.2", 1, 1);
        Tensor e = backend.linear(embSilu, w.get(p + "emb_layers.1.weight"), w.get(p + "emb_layers.1.bias"));
        h = backend.add(h, backend.reshape(e, Shape.of(e.dim(0), e.dim(1), 1, 1)));
        h = backend.activation(groupNorm(h, p + "out_layers.0", RES_NORM_EPS), Activation.SILU);
        h = conv(h, p + "out_layers.3", 1, 1);
        Tensor skip = w.has(p + "skip_connection.weight") ? conv(x, p + "skip_connection", 1, 0) : x;
        return backend.add(skip, h);
    }

    /** {@code SpatialTransformer} with 1×1-convolution projections (SD1) around {@code depth} transformer blocks. */
    private Tensor transformer(String p, Tensor x, Tensor context, int depth) {
        int b = x.dim(0);
        int c = x.dim(1);
        int height = x.dim(2);
        int width = x.dim(3);
        Tensor h = conv(groupNorm(x, p + "norm", TRANSFORMER_NORM_EPS), p + "proj_in", 1, 0);
        int inner = h.dim(1);
        int heads = config.headsAt(c);
        h = backend.transpose(backend.reshape(h, Shape.of(b, inner, height * width)));
        for (int d = 0; d < depth; d++) {
            String t = p + "transformer_blocks." + d + ".";
            Tensor n = layerNorm(h, t + "norm1");
            h = backend.add(h, attention(t + "attn1.", n, n, heads));
            n = layerNorm(h, t + "norm2");
            h = backend.add(h, attention(t + "attn2.", n, context, heads));
            n = layerNorm(h, t + "norm3");
            Tensor ff = backend.geglu(linear(n, t + "ff.net.0.proj"));
            h = backend.add(h, linear(ff, t + "ff.net.2"));
        }
        h = backend.reshape(backend.transpose(h), Shape.of(b, inner, height, width));
        return backend.add(conv(h, p + "proj_out", 1, 0), x);
    }

    private Tensor attention(String p, Tensor x, Tensor context, int heads) {
        Tensor q = backend.linear(x, w.get(p + "to_q.weight"), null);
        Tensor k = backend.linear(context, w.get(p + "to_k.weight"), null);
        Tensor v = backend.linear(context, w.get(p + "to_v.weight"), null);
        return linear(backend.attention(q, k, v, heads, false), p + "to_out.0");
    }

    private Tensor conv(Tensor x, String name, int stride, int padding) {
        return backend.conv2d(x, w.get(name + ".weight"), w.get(name + ".bias"), stride, padding);
    }

    private Tensor linear(Tensor x, String name) {
        return backend.linear(x, w.get(name + ".weight"), w.get(name + ".bias"));
    }

    private Tensor groupNorm(Tensor x, String name, float eps) {
        return backend.groupNorm(x, GROUPS, w.get(name + ".weight"), w.get(name + ".bias"), eps);
    }

    private Tensor layerNorm(Tensor x, String name) {
        return backend.layerNorm(x, w.get(name + ".weight"), w.get(name + ".bias"), LAYER_NORM_EPS);
    }
}
