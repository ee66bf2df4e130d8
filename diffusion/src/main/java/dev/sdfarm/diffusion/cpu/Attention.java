package dev.sdfarm.diffusion.cpu;

/**
 * Multi-head scaled dot-product attention, one (batch, head, query) row per step: scores against every visible
 * key, a numerically stable softmax, then the weighted sum of values. Rows are independent and run in parallel.
 */
final class Attention {
    /** Below this many query-key pairs per head, one row at a time beats two matrix products. */
    private static final long BLOCKED_FROM = 128 * 128;
    /** Scores held at once per head: query tiles keep memory bounded (64 MB) at any image size. */
    private static final int MAX_SCORES = 1 << 24;

    private Attention() {
    }

    /**
     * Attention as matrix products per head and query tile: scores {@code Q·Kᵀ} with the packed GEMM, a vector
     * softmax per row, then {@code P·V} written straight into the head's columns of the output.
     */
    static float[] blocked(Parallel parallel, Gemm.MicroKernel kernel, RowOps ops, float[] q, float[] k, float[] v,
                           int batch, int sq, int sk, int heads, int width, boolean causal) {
        if ((long) sq * sk < BLOCKED_FROM) {
            return run(parallel, ops, q, k, v, batch, sq, sk, heads, width, causal);
        }
        int d = width / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        float[] out = new float[batch * sq * width];
        int tile = Math.max(1, Math.min(sq, MAX_SCORES / sk));
        float[] scores = new float[tile * sk];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                int kBase = b * sk * width + h * d;
                Gemm.BPanel keys = transposedColumns(k, kBase, width);
                Gemm.BPanel values = Gemm.columns(v, kBase, width);
                for (int i0 = 0; i0 < sq; i0 += tile) {
                    int rows = Math.min(tile, sq - i0);
                    int qBase = (b * sq + i0) * width + h * d;
                    Gemm.multiply(parallel, kernel, rows, sk, d, Gemm.floatRows(q, qBase, width), keys, scores, 0, sk,
                            null, null);
                    int first = i0;
                    parallel.forRanges(rows, 8, (from, to) -> {
                        for (int r = from; r < to; r++) {
                            int visible = causal ? Math.min(first + r + 1, sk) : sk;
                            ops.softmax(scores, r * sk, visible, sk, scale);
                        }
                    });
                    Gemm.multiply(parallel, kernel, rows, d, sk, Gemm.floatRows(scores, 0, sk), values, out, qBase, width,
                            null, null);
                }
            }
        }
        return out;
    }

    /** B = the transpose of {@code d} columns of row-major {@code x} starting at {@code base}, rows {@code width} apart. */
    private static Gemm.BPanel transposedColumns(float[] x, int base, int width) {
        return (n0, cols, nb, depth, panel) -> {
            for (int j = 0; j < cols; j++) {
                int row = base + (n0 + j) * width;
                for (int i = 0; i < depth; i++) {
                    panel[i * nb + j] = x[row + i];
                }
            }
            Gemm.zeroTail(panel, cols, nb, depth);
        };
    }

    static float[] run(Parallel parallel, RowOps ops, float[] q, float[] k, float[] v, int batch, int sq, int sk, int heads,
                       int width, boolean causal) {
        int d = width / heads;
        float scale = (float) (1.0 / Math.sqrt(d));
        float[] out = new float[batch * sq * width];
        parallel.forRanges(batch * heads * sq, 16, (from, to) -> {
            float[] scores = new float[sk];
            for (int task = from; task < to; task++) {
                int i = task % sq;
                int h = (task / sq) % heads;
                int b = task / (sq * heads);
                int qAt = (b * sq + i) * width + h * d;
                int visible = causal ? Math.min(i + 1, sk) : sk;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < visible; j++) {
                    int kAt = (b * sk + j) * width + h * d;
                    scores[j] = ops.dot(q, qAt, k, kAt, d) * scale;
                    max = Math.max(max, scores[j]);
                }
                double total = 0;
                for (int j = 0; j < visible; j++) {
                    scores[j] = (float) Math.exp(scores[j] - max);
                    total += scores[j];
                }
                float inv = (float) (1.0 / total);
                int oAt = (b * sq + i) * width + h * d;
                for (int j = 0; j < visible; j++) {
                    ops.axpy(scores[j] * inv, v, (b * sk + j) * width + h * d, out, oAt, d);
                }
            }
        });
        return out;
    }

    static float[] softmax(Parallel parallel, float[] x, int rows, int dim) {
        float[] out = new float[x.length];
        parallel.forRanges(rows, 16, (from, to) -> {
            for (int r = from; r < to; r++) {
                int at = r * dim;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < dim; j++) {
                    max = Math.max(max, x[at + j]);
                }
                double total = 0;
                for (int j = 0; j < dim; j++) {
                    out[at + j] = (float) Math.exp(x[at + j] - max);
                    total += out[at + j];
                }
                float inv = (float) (1.0 / total);
                for (int j = 0; j < dim; j++) {
                    out[at + j] *= inv;
                }
            }
        });
        return out;
    }
}
