package dev.sdfarm.diffusion.cpu;

import dev.sdfarm.diffusion.tensor.Activation;
import dev.sdfarm.diffusion.tensor.Shape;
import java.util.function.DoubleBinaryOperator;

/** Elementwise kernels: activations, broadcasting add and multiply, scaling, nearest upsampling. */
final class Pointwise {
    private Pointwise() {
    }

    /** {@code x * Φ(x)} with the exact error function, as torch's default GELU. */
    static float gelu(float x) {
        double v = x;
        return (float) (0.5 * v * (1 + Erf.erf(v * 0.7071067811865476)));
    }

    /** Rows of {@code [a | g]} (each half {@code n} wide) to rows of {@code a · gelu(g)}. */
    static float[] geglu(Parallel parallel, float[] x, int rows, int n) {
        float[] out = new float[rows * n];
        parallel.forRanges(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int in = r * 2 * n;
                for (int j = 0; j < n; j++) {
                    out[r * n + j] = x[in + j] * gelu(x[in + n + j]);
                }
            }
        });
        return out;
    }

    /** One {@code m × n} matrix at {@code offset} written transposed into {@code out} at the same offset. */
    static void transpose(float[] x, float[] out, int offset, int m, int n) {
        final int tile = 32;
        for (int i0 = 0; i0 < m; i0 += tile) {
            for (int j0 = 0; j0 < n; j0 += tile) {
                for (int i = i0; i < Math.min(m, i0 + tile); i++) {
                    for (int j = j0; j < Math.min(n, j0 + tile); j++) {
                        out[offset + j * m + i] = x[offset + i * n + j];
                    }
                }
            }
        }
    }

    static float[] activation(Parallel parallel, RowOps ops, float[] x, Activation activation) {
        float[] out = new float[x.length];
        parallel.forRanges(x.length, 4096, (from, to) -> {
            switch (activation) {
                case GELU -> {
                    for (int i = from; i < to; i++) {
                        out[i] = gelu(x[i]);
                    }
                }
                case QUICK_GELU -> ops.swish(x, out, from, to, 1.702f);
                case SILU -> ops.swish(x, out, from, to, 1f);
            }
        });
        return out;
    }

    /**
     * {@code op(a, b)} with {@code b} broadcast against {@code a} as torch does (right-aligned, each dimension equal
     * or 1); the result has {@code a}'s shape.
     */
    static float[] broadcast(Parallel parallel, float[] a, Shape as, float[] b, Shape bs, DoubleBinaryOperator op) {
        int rank = as.rank();
        if (bs.rank() > rank) {
            throw new IllegalArgumentException("cannot broadcast " + bs + " to " + as);
        }
        // Strides of b over a's index space: 0 where b has size 1 (or no dimension at all).
        long[] bStride = new long[rank];
        long stride = 1;
        for (int i = 1; i <= rank; i++) {
            int ad = as.dim(rank - i);
            int bd = i <= bs.rank() ? bs.dim(bs.rank() - i) : 1;
            if (bd != ad && bd != 1) {
                throw new IllegalArgumentException("cannot broadcast " + bs + " to " + as);
            }
            bStride[rank - i] = bd == 1 ? 0 : stride;
            stride *= bd;
        }
        float[] out = new float[a.length];
        int last = rank == 0 ? 1 : as.last();
        int rows = last == 0 ? 0 : a.length / last;
        long lastStride = rank == 0 ? 0 : bStride[rank - 1];
        parallel.forRanges(rows, 64, (from, to) -> {
            for (int r = from; r < to; r++) {
                long bAt = 0;
                int rest = r;
                for (int d = rank - 2; d >= 0; d--) {
                    bAt += (rest % as.dim(d)) * bStride[d];
                    rest /= as.dim(d);
                }
                int at = r * last;
                for (int j = 0; j < last; j++) {
                    out[at + j] = (float) op.applyAsDouble(a[at + j], b[(int) (bAt + j * lastStride)]);
                }
            }
        });
        return out;
    }

    static float[] scale(float[] x, float factor) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * factor;
        }
        return out;
    }

    static float[] resizeNearest(float[] x, int planes, int h, int w, int oh, int ow) {
        float[] out = new float[planes * oh * ow];
        float sy = (float) h / oh;
        float sx = (float) w / ow;
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < oh; y++) {
                int iy = Math.min((int) Math.floor(y * sy), h - 1);
                for (int xx = 0; xx < ow; xx++) {
                    int ix = Math.min((int) Math.floor(xx * sx), w - 1);
                    out[(p * oh + y) * ow + xx] = x[(p * h + iy) * w + ix];
                }
            }
        }
        return out;
    }

    static float[] upsampleNearest2x(float[] x, int planes, int h, int w) {
        float[] out = new float[planes * 4 * h * w];
        int ow = 2 * w;
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < 2 * h; y++) {
                int src = (p * h + y / 2) * w;
                int dst = (p * 2 * h + y) * ow;
                for (int xx = 0; xx < ow; xx++) {
                    out[dst + xx] = x[src + xx / 2];
                }
            }
        }
        return out;
    }
}
