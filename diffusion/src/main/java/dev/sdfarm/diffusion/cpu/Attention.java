package dev.sdfarm.diffusion.cpu;

/**
 * Multi-head scaled dot-product attention, one (batch, head, query) row per step: scores against every visible
 * key, a numerically stable softmax, then the weighted sum of values. Rows are independent and run in parallel.
 */
final class Attention {
    private Attention() {
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
