package dev.sdfarm.diffusion.vae;

import dev.sdfarm.diffusion.ModelWeights;
import dev.sdfarm.diffusion.tensor.Activation;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;

/**
 * The building blocks the VAE encoder and decoder share ({@code ldm.modules.diffusionmodules.model}):
 * {@code ResnetBlock} without time embedding, the single-head {@code AttnBlock}, and their GroupNorm (32 groups,
 * eps 1e-6) and convolutions, over the weights under {@code first_stage_model.}.
 */
final class VaeBlocks {
    private static final int GROUPS = 32;
    private static final float NORM_EPS = 1e-6f;

    private final Backend backend;
    private final ModelWeights w;

    VaeBlocks(Backend backend, ModelWeights weights) {
        this.backend = backend;
        this.w = weights;
    }

    /** {@code ResnetBlock}: norm, SiLU, conv3x3, twice; the skip is a 1x1 {@code nin_shortcut} when widths differ. */
    Tensor resBlock(String p, Tensor x) {
        Tensor h = conv(silu(groupNorm(x, p + "norm1")), p + "conv1", 1);
        h = conv(silu(groupNorm(h, p + "norm2")), p + "conv2", 1);
        Tensor skip = w.has(p + "nin_shortcut.weight") ? conv(x, p + "nin_shortcut", 0) : x;
        return backend.add(skip, h);
    }

    /** {@code AttnBlock}: one head over all pixels, 1×1-convolution projections, residual. */
    Tensor attention(String p, Tensor x) {
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

    /** The closing {@code norm_out}, SiLU and {@code conv_out} of encoder and decoder. */
    Tensor head(String p, Tensor x) {
        return conv(silu(groupNorm(x, p + "norm_out")), p + "conv_out", 1);
    }

    /** The convolution {@code name} (weight and bias), stride 1, the same zero padding on every side. */
    Tensor conv(Tensor x, String name, int padding) {
        return backend.conv2d(x, w.get(name + ".weight"), w.get(name + ".bias"), 1, padding);
    }

    /** The convolution {@code name} with a stride and per-side zero padding. */
    Tensor conv(Tensor x, String name, int stride, int top, int left, int bottom, int right) {
        return backend.conv2d(x, w.get(name + ".weight"), w.get(name + ".bias"), stride, top, left, bottom, right);
    }

    private Tensor silu(Tensor x) {
        return backend.activation(x, Activation.SILU);
    }

    private Tensor groupNorm(Tensor x, String name) {
        return backend.groupNorm(x, GROUPS, w.get(name + ".weight"), w.get(name + ".bias"), NORM_EPS);
    }

    /** {@code [b, c, h, w]} as one row of {@code c} channels per pixel: {@code [b, h·w, c]}. */
    private Tensor rows(Tensor x, int b, int c, int pixels) {
        return backend.transpose(backend.reshape(x, Shape.of(b, c, pixels)));
    }
}
