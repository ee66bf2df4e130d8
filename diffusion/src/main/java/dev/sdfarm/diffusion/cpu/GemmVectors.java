package dev.sdfarm.diffusion.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernel: {@link Gemm#MR} rows × 4 vectors of columns held in 16 accumulator registers
 * (64 columns with AVX-512, 32 with AVX2), one fused multiply-add per accumulator per k.
 */
final class GemmVectors implements Gemm.MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int NB = 4 * L;
    private static final ThreadLocal<float[]> TILE = ThreadLocal.withInitial(() -> new float[Gemm.MR * NB]);

    @Override
    public int nb() {
        return NB;
    }

    @Override
    public void block(float[] a, int aOff, int lda, int rows, float[] p, int k, float[] c, int cOff, int ldc,
                      int cols) {
        if (rows == 4) {
            four(a, aOff, lda, p, k, c, cOff, ldc, cols);
        } else {
            for (int r = 0; r < rows; r++) {
                one(a, aOff + r * lda, p, k, c, cOff + r * ldc, cols);
            }
        }
    }

    private static void four(float[] a, int aOff, int lda, float[] p, int k, float[] c, int cOff, int ldc, int cols) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int a0 = aOff, a1 = aOff + lda, a2 = aOff + 2 * lda, a3 = aOff + 3 * lda;
        for (int i = 0; i < k; i++) {
            int pi = i * NB;
            FloatVector b0 = FloatVector.fromArray(S, p, pi);
            FloatVector b1 = FloatVector.fromArray(S, p, pi + L);
            FloatVector b2 = FloatVector.fromArray(S, p, pi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, p, pi + 3 * L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + i]);
            c00 = b0.fma(x, c00);
            c01 = b1.fma(x, c01);
            c02 = b2.fma(x, c02);
            c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(S, a[a1 + i]);
            c10 = b0.fma(x, c10);
            c11 = b1.fma(x, c11);
            c12 = b2.fma(x, c12);
            c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(S, a[a2 + i]);
            c20 = b0.fma(x, c20);
            c21 = b1.fma(x, c21);
            c22 = b2.fma(x, c22);
            c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(S, a[a3 + i]);
            c30 = b0.fma(x, c30);
            c31 = b1.fma(x, c31);
            c32 = b2.fma(x, c32);
            c33 = b3.fma(x, c33);
        }
        // Accumulators leave through plain stores only: a vector passed to a method the JIT does not inline is
        // boxed, and the boxing spreads into the loop above (an order of magnitude slower).
        boolean direct = cols == NB;
        float[] t = direct ? c : TILE.get();
        int r0 = direct ? cOff : 0;
        int step = direct ? ldc : NB;
        c00.intoArray(t, r0);
        c01.intoArray(t, r0 + L);
        c02.intoArray(t, r0 + 2 * L);
        c03.intoArray(t, r0 + 3 * L);
        c10.intoArray(t, r0 + step);
        c11.intoArray(t, r0 + step + L);
        c12.intoArray(t, r0 + step + 2 * L);
        c13.intoArray(t, r0 + step + 3 * L);
        c20.intoArray(t, r0 + 2 * step);
        c21.intoArray(t, r0 + 2 * step + L);
        c22.intoArray(t, r0 + 2 * step + 2 * L);
        c23.intoArray(t, r0 + 2 * step + 3 * L);
        c30.intoArray(t, r0 + 3 * step);
        c31.intoArray(t, r0 + 3 * step + L);
        c32.intoArray(t, r0 + 3 * step + 2 * L);
        c33.intoArray(t, r0 + 3 * step + 3 * L);
        if (!direct) {
            writeTile(t, 4, c, cOff, ldc, cols);
        }
    }

    private static void one(float[] a, int aOff, float[] p, int k, float[] c, int cOff, int cols) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int i = 0; i < k; i++) {
            int pi = i * NB;
            FloatVector x = FloatVector.broadcast(S, a[aOff + i]);
            c0 = FloatVector.fromArray(S, p, pi).fma(x, c0);
            c1 = FloatVector.fromArray(S, p, pi + L).fma(x, c1);
            c2 = FloatVector.fromArray(S, p, pi + 2 * L).fma(x, c2);
            c3 = FloatVector.fromArray(S, p, pi + 3 * L).fma(x, c3);
        }
        boolean direct = cols == NB;
        float[] t = direct ? c : TILE.get();
        int r0 = direct ? cOff : 0;
        c0.intoArray(t, r0);
        c1.intoArray(t, r0 + L);
        c2.intoArray(t, r0 + 2 * L);
        c3.intoArray(t, r0 + 3 * L);
        if (!direct) {
            writeTile(t, 1, c, cOff, 0, cols);
        }
    }

    /** Copies the first {@code cols} columns of {@code rows} tile rows into C. */
    private static void writeTile(float[] t, int rows, float[] c, int cOff, int ldc, int cols) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(t, r * NB, c, cOff + r * ldc, cols);
        }
    }
}
