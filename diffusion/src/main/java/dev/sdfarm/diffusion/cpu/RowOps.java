package dev.sdfarm.diffusion.cpu;

import java.util.Arrays;

/** Small vector primitives over array rows, with a Vector API implementation and a plain one. */
interface RowOps {
    /** {@code Σ a[aOff + i] · b[bOff + i]} for {@code i < n}. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code y[yOff + i] += alpha · x[xOff + i]} for {@code i < n}. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code out[i] = x[i] / (1 + exp(-beta · x[i]))} over {@code [from, to)}: SiLU for beta 1, quick GELU for 1.702. */
    void swish(float[] x, float[] out, int from, int to, float beta);

    /**
     * In place over {@code x[off, off + visible)}: {@code softmax(scale · x)}; positions {@code [visible, n)} become 0
     * (masked keys).
     */
    void softmax(float[] x, int off, int visible, int n, float scale);

    RowOps SCALAR = new RowOps() {
        @Override
        public void softmax(float[] x, int off, int visible, int n, float scale) {
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < visible; j++) {
                max = Math.max(max, x[off + j]);
            }
            float sum = 0f;
            for (int j = 0; j < visible; j++) {
                x[off + j] = (float) Math.exp(scale * x[off + j] - scale * max);
                sum += x[off + j];
            }
            float inv = 1f / sum;
            for (int j = 0; j < visible; j++) {
                x[off + j] *= inv;
            }
            Arrays.fill(x, off + visible, off + n, 0f);
        }

        @Override
        public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
            float s = 0f;
            for (int i = 0; i < n; i++) {
                s += a[aOff + i] * b[bOff + i];
            }
            return s;
        }

        @Override
        public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
            for (int i = 0; i < n; i++) {
                y[yOff + i] += alpha * x[xOff + i];
            }
        }

        @Override
        public void swish(float[] x, float[] out, int from, int to, float beta) {
            for (int i = from; i < to; i++) {
                out[i] = x[i] / (1f + (float) Math.exp(-beta * x[i]));
            }
        }
    };
}
