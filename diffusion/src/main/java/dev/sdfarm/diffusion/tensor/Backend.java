package dev.sdfarm.diffusion.tensor;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.StoredTensor;
import java.io.IOException;

/**
 * The operations the diffusion graphs are written against, so each graph exists once and runs on the CPU or a
 * GPU. Every operation takes and returns tensors of this backend and may run asynchronously: results are only
 * guaranteed to be computed when read back with {@link #toFloats}. Nothing here moves data between host and
 * device behind the caller's back: weights come in through {@link #weight}, host values through
 * {@link #upload}, and go out through {@link #toFloats}.
 *
 * <p>Layouts follow torch: row-major, images NCHW, linear weights {@code [out, in]}, conv weights
 * {@code [out, in, kh, kw]}. Activations are fp32; weights may be fp32, fp16 or bf16.
 */
public interface Backend extends AutoCloseable {
    /** A short name for logs and benchmark tables ({@code cpu}, {@code cuda:0}). */
    String name();

    /**
     * A checkpoint tensor as a weight on this backend: a view of the memory-mapped file on the CPU (no copy), an
     * upload on a GPU. The checkpoint must stay open while the weight is in use.
     */
    Tensor weight(Checkpoint checkpoint, StoredTensor stored) throws IOException;

    /** Host values as a tensor of this backend. */
    Tensor upload(float[] values, Shape shape);

    /** The tensor's values as fp32 on the host, once every operation producing it has finished. */
    float[] toFloats(Tensor tensor);

    /** The same elements under another shape (no copy). */
    Tensor reshape(Tensor tensor, Shape shape);

    /** Rows {@code ids} of an embedding table {@code [vocab, dim]}, as {@code [ids.length, dim]}. */
    Tensor embedding(Tensor table, int[] ids);

    /**
     * {@code x · weightᵀ + bias} over the last dimension: {@code x [..., in]}, {@code weight [out, in]} (a 1×1
     * conv kernel {@code [out, in, 1, 1]} is accepted too), {@code bias [out]} or null; result {@code [..., out]}.
     */
    Tensor linear(Tensor x, Tensor weight, Tensor bias);

    /**
     * Batched matrix product {@code a [..., m, k] · b [..., k, n]}, or with {@code transposeB}
     * {@code a · bᵀ} for {@code b [..., n, k]}; the leading dimensions of both must be equal.
     */
    Tensor matmul(Tensor a, Tensor b, boolean transposeB);

    /** 2-D convolution of {@code x [n, cin, h, w]} with {@code weight [cout, cin, kh, kw]}, square stride and zero padding. */
    default Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding) {
        return conv2d(x, weight, bias, stride, padding, padding, padding, padding);
    }

    /**
     * 2-D convolution with square stride and zero padding given per side, as torch's
     * {@code conv2d(F.pad(x, (left, right, top, bottom)), weight, bias, stride)}: output
     * {@code [n, cout, (h + top + bottom - kh) / stride + 1, (w + left + right - kw) / stride + 1]}. The VAE
     * encoder's downsampling pads only right and bottom ({@code (0, 1, 0, 1)}) before a stride-2 convolution.
     */
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padTop, int padLeft, int padBottom,
                  int padRight);

    /** Layer norm over the last dimension with affine {@code gamma}, {@code beta} (either may be null). */
    Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps);

    /** Group norm of {@code x [n, c, ...]} over {@code groups} channel groups, with per-channel affine. */
    Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps);

    /** Softmax over the last dimension. */
    Tensor softmax(Tensor x);

    /**
     * Multi-head scaled dot-product attention: {@code q [b, sq, heads·d]}, {@code k, v [b, sk, heads·d]}, scale
     * {@code 1/√d}; with {@code causal}, query i attends to keys 0..i (CLIP's text mask). Result {@code [b, sq, heads·d]}.
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal);

    Tensor activation(Tensor x, Activation activation);

    /**
     * Elementwise sum with broadcasting as in torch: {@code b}'s shape, right-aligned against {@code a}'s, has
     * each dimension equal or 1. The result has {@code a}'s shape.
     */
    Tensor add(Tensor a, Tensor b);

    /** Elementwise product, broadcasting {@code b} as {@link #add} does. */
    Tensor mul(Tensor a, Tensor b);

    /** {@code x · factor}. */
    Tensor scale(Tensor x, float factor);

    /** Nearest-neighbour upsampling of {@code x [n, c, h, w]} to {@code [n, c, 2h, 2w]}. */
    Tensor upsampleNearest2x(Tensor x);

    /**
     * Nearest-neighbour resize of {@code x [n, c, h, w]} to {@code [n, c, height, width]} as torch's
     * {@code interpolate(mode="nearest")}: source index {@code floor(i · in / out)}.
     */
    Tensor resizeNearest(Tensor x, int height, int width);

    /** Tensors joined along dimension {@code dim}; all other dimensions must be equal. */
    Tensor concat(int dim, Tensor... parts);

    /** The last two dimensions swapped: {@code [..., m, n]} to {@code [..., n, m]} (a copy, not a view). */
    Tensor transpose(Tensor x);

    /**
     * The GEGLU gate of the SD transformer's feed-forward: {@code x [..., 2n]} split into halves {@code a, g} along
     * the last dimension, result {@code a · gelu(g)} of shape {@code [..., n]}.
     */
    Tensor geglu(Tensor x);

    /** Releases backend resources (thread pools, device memory). */
    @Override
    void close();
}
