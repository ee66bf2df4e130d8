package dev.sdfarm.diffusion.cpu;

/** Small vector primitives over array rows, with a Vector API implementation and a plain one. */
interface RowOps {
    /** {@code Σ a[aOff + i] · b[bOff + i]} for {@code i < n}. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** {@code y[yOff + i] += alpha · x[xOff + i]} for {@code i < n}. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code out[i] = x[i] / (1 + exp(-beta · x[i]))} over {@code [from, to)}: SiLU for beta 1, quick GELU for 1.702. */
    void swish(float[] x, float[] out, int from, int to, float beta);

    RowOps SCALAR = new RowOps() {
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
