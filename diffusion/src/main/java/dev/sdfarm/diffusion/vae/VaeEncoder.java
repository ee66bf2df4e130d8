package dev.sdfarm.diffusion.vae;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.anatomy.AutoencoderConfig;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;

/**
 * The VAE encoder of SD1.x ({@code AutoencoderKL.encode} of the LDM code, weights under {@code first_stage_model.}),
 * for img2img's init image and the conditioning image of inpainting models: the encoder's {@code conv_in}, its
 * levels of residual blocks with stride-2 downsampling (padded on the right and bottom only), its middle (two
 * residual blocks around a single-head attention over all pixels), norm, SiLU and {@code conv_out} to mean and
 * log-variance, then the 1x1 {@code quant_conv}. The result is the diagonal Gaussian posterior
 * ({@code DiagonalGaussianDistribution}) over the VAE latent.
 *
 * <p><b>Mean, not a sample.</b> A1111 turns an image into SD latents with
 * {@code 0.18215 * posterior.sample()} ({@code get_first_stage_encoding}), i.e. {@code mean + std · noise} with the
 * noise drawn from torch's global RNG, which webui does not seed reproducibly (its seeded generators are used only
 * for the sampler's noise). No seed reproduces that draw, so the engine takes the posterior's mode, the mean
 * ({@link #latents}): deterministic, and the centre of the distribution A1111 samples from. (The synthetic test
 * VAEs have random weights and a posterior std near 1, so there the two differ a lot; the test references hold
 * the mean.)
 */
public final class VaeEncoder {
    private final Backend backend;
    private final AutoencoderConfig config;
    private final VaeBlocks blocks;

    /** The posterior over the VAE latent ({@code DiagonalGaussianDistribution}), both {@code [b, z, h/8, w/8]}. */
    public record Posterior(Tensor mean, Tensor std) {
    }

    private VaeEncoder(Backend backend, AutoencoderConfig config, VaeBlocks blocks) {
        this.backend = backend;
        this.config = config;
        this.blocks = blocks;
    }

    /** The VAE encoder of a checkpoint of a known architecture; the checkpoint must stay open while it is used. */
    public static VaeEncoder load(Backend backend, Checkpoint checkpoint) {
        AutoencoderConfig config = VaeDecoder.config(checkpoint);
        if (!config.doubleZ()) {
            throw new IllegalArgumentException("the VAE of " + checkpoint.path().getFileName()
                    + " has no log-variance output (double_z false)");
        }
        return new VaeEncoder(backend, config, new VaeBlocks(backend, VaeDecoder.weights(backend, checkpoint)));
    }

    public AutoencoderConfig config() {
        return config;
    }

    /**
     * About how many bytes of activations encoding one image of this size holds at once on the CPU: four
     * full-resolution tensors of the first level's width (128 channels for SD1.x).
     */
    public long peakBytes(int width, int height) {
        return 4L * config.ch() * config.chMult().get(0) * width * height * Float.BYTES;
    }

    /**
     * Images {@code [1, 3, height, width]} in [-1, 1] from 8-bit RGB pixels in HWC order (PNG order,
     * {@code 3 · width · height} bytes), as webui's img2img prepares its init image: {@code x / 255} in float32
     * ({@code np.array(image).astype(np.float32) / 255.0}), then {@code x * 2 - 1} ({@code images_tensor_to_samples}).
     */
    public static float[] pixelsToImage(byte[] rgb, int width, int height) {
        int plane = width * height;
        if (rgb.length != 3 * plane) {
            throw new IllegalArgumentException(rgb.length + " bytes are not " + width + "x" + height + " RGB pixels");
        }
        float[] out = new float[3 * plane];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float x = (rgb[3 * i + c] & 0xff) / 255f;
                out[c * plane + i] = x * 2f - 1f;
            }
        }
        return out;
    }

    /** {@link #pixelsToImage} as a tensor {@code [1, 3, height, width]} of this encoder's backend. */
    public Tensor image(byte[] rgb, int width, int height) {
        return backend.upload(pixelsToImage(rgb, width, height), Shape.of(1, 3, height, width));
    }

    /**
     * {@code quant_conv(encoder(images))} for images {@code [b, 3, h, w]} in [-1, 1]: {@code [b, 2z, h/8, w/8]},
     * the mean in the first {@code z} channels and the (unclamped) log-variance in the rest. Each downsampling level
     * halves a size, rounding down ({@code (n + 1 - 3) / 2 + 1}), as the upstream pad-then-convolve does.
     */
    public Tensor moments(Tensor images) {
        if (images.shape().rank() != 4 || images.dim(1) != config.inChannels()) {
            throw new IllegalArgumentException("VAE encoder input " + images.shape() + " is not [b, "
                    + config.inChannels() + ", h, w]");
        }
        String e = "encoder.";
        Tensor h = blocks.conv(images, e + "conv_in", 1);
        int levels = config.chMult().size();
        for (int level = 0; level < levels; level++) {
            for (int b = 0; b < config.numResBlocks(); b++) {
                h = blocks.resBlock(e + "down." + level + ".block." + b + ".", h);
            }
            if (level != levels - 1) {
                // Downsample(with_conv): F.pad(x, (0, 1, 0, 1)) then conv3x3, stride 2, padding 0
                h = blocks.conv(h, e + "down." + level + ".downsample.conv", 2, 0, 0, 1, 1);
            }
        }
        h = blocks.resBlock(e + "mid.block_1.", h);
        h = blocks.attention(e + "mid.attn_1.", h);
        h = blocks.resBlock(e + "mid.block_2.", h);
        h = blocks.head(e, h);
        return blocks.conv(h, "quant_conv", 0);
    }

    /**
     * The posterior of {@link #moments}: {@code mean}, and {@code std = exp(0.5 · clamp(logvar, -30, 20))} as
     * {@code DiagonalGaussianDistribution} computes it (float32).
     */
    public Posterior encode(Tensor images) {
        Tensor moments = moments(images);
        Shape s = moments.shape();
        int b = s.dim(0);
        int z = s.dim(1) / 2;
        int plane = s.dim(2) * s.dim(3);
        float[] all = backend.toFloats(moments);
        float[] mean = new float[b * z * plane];
        float[] std = new float[b * z * plane];
        for (int n = 0; n < b; n++) {
            int from = n * 2 * z * plane;
            int to = n * z * plane;
            System.arraycopy(all, from, mean, to, z * plane);
            for (int i = 0; i < z * plane; i++) {
                float logvar = Math.clamp(all[from + z * plane + i], -30f, 20f);
                std[to + i] = (float) Math.exp(0.5f * logvar);
            }
        }
        Shape out = Shape.of(b, z, s.dim(2), s.dim(3));
        return new Posterior(backend.upload(mean, out), backend.upload(std, out));
    }

    /**
     * SD latents {@code [b, z, h/8, w/8]} for images {@code [b, 3, h, w]} in [-1, 1]: {@code 0.18215 · mean}, the
     * posterior's mode where A1111 draws {@code 0.18215 · posterior.sample()} from an unseeded RNG (see the class
     * comment).
     */
    public Tensor latents(Tensor images) {
        return backend.scale(encode(images).mean(), VaeDecoder.SCALE_FACTOR);
    }
}
