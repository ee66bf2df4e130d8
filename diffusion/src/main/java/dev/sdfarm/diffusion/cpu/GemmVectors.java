package dev.sdfarm.diffusion.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API micro-kernel: {@link Gemm#MR} rows × 4 vectors of columns held in 16 accumulator registers
 * (64 columns with AVX-512, 32 with AVX2), one fused multiply-add per accumulator per k.
 */
final class GemmVectors implements Gemm.MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int NB = 4 * L;

    @Override
    public int nb() {
        return NB;
    }

    @Override
    public void block(float[] a, int aOff, int lda, int rows, float[] p, int k, float[] c, int cOff, int ldc,
                      int cols, boolean accumulate) {
        if (rows == 4) {
            four(a, aOff, lda, p, k, c, cOff, ldc, cols, accumulate);
        } else {
            for (int r = 0; r < rows; r++) {
                one(a, aOff + r * lda, p, k, c, cOff + r * ldc, cols, accumulate);
            }
        }
    }

    private static void four(float[] a, int aOff, int lda, float[] p, int k, float[] c, int cOff, int ldc, int cols,
                             boolean accumulate) {
        FloatVector c00 = load(c, cOff, 0, cols, accumulate), c01 = load(c, cOff, L, cols, accumulate);
        FloatVector c02 = load(c, cOff, 2 * L, cols, accumulate), c03 = load(c, cOff, 3 * L, cols, accumulate);
        int r1 = cOff + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
        FloatVector c10 = load(c, r1, 0, cols, accumulate), c11 = load(c, r1, L, cols, accumulate);
        FloatVector c12 = load(c, r1, 2 * L, cols, accumulate), c13 = load(c, r1, 3 * L, cols, accumulate);
        FloatVector c20 = load(c, r2, 0, cols, accumulate), c21 = load(c, r2, L, cols, accumulate);
        FloatVector c22 = load(c, r2, 2 * L, cols, accumulate), c23 = load(c, r2, 3 * L, cols, accumulate);
        FloatVector c30 = load(c, r3, 0, cols, accumulate), c31 = load(c, r3, L, cols, accumulate);
        FloatVector c32 = load(c, r3, 2 * L, cols, accumulate), c33 = load(c, r3, 3 * L, cols, accumulate);
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
        store(c00, c01, c02, c03, c, cOff, cols);
        store(c10, c11, c12, c13, c, cOff + ldc, cols);
        store(c20, c21, c22, c23, c, cOff + 2 * ldc, cols);
        store(c30, c31, c32, c33, c, cOff + 3 * ldc, cols);
    }

    private static void one(float[] a, int aOff, float[] p, int k, float[] c, int cOff, int cols, boolean accumulate) {
        FloatVector c0 = load(c, cOff, 0, cols, accumulate), c1 = load(c, cOff, L, cols, accumulate);
        FloatVector c2 = load(c, cOff, 2 * L, cols, accumulate), c3 = load(c, cOff, 3 * L, cols, accumulate);
        for (int i = 0; i < k; i++) {
            int pi = i * NB;
            FloatVector x = FloatVector.broadcast(S, a[aOff + i]);
            c0 = FloatVector.fromArray(S, p, pi).fma(x, c0);
            c1 = FloatVector.fromArray(S, p, pi + L).fma(x, c1);
            c2 = FloatVector.fromArray(S, p, pi + 2 * L).fma(x, c2);
            c3 = FloatVector.fromArray(S, p, pi + 3 * L).fma(x, c3);
        }
        store(c0, c1, c2, c3, c, cOff, cols);
    }

    /** The accumulator for columns {@code [col, col + L)} of a C row: its current values, or zero. */
    private static FloatVector load(float[] c, int at, int col, int cols, boolean accumulate) {
        if (!accumulate || col >= cols) {
            return FloatVector.zero(S);
        }
        return col + L <= cols ? FloatVector.fromArray(S, c, at + col)
                : FloatVector.fromArray(S, c, at + col, S.indexInRange(col, cols));
    }

    private static void store(FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3, float[] c, int at,
                              int cols) {
        if (cols == NB) {
            v0.intoArray(c, at);
            v1.intoArray(c, at + L);
            v2.intoArray(c, at + 2 * L);
            v3.intoArray(c, at + 3 * L);
            return;
        }
        storePart(v0, c, at, 0, cols);
        storePart(v1, c, at, L, cols);
        storePart(v2, c, at, 2 * L, cols);
        storePart(v3, c, at, 3 * L, cols);
    }

    private static void storePart(FloatVector v, float[] c, int at, int col, int cols) {
        if (col >= cols) {
            return;
        }
        VectorMask<Float> m = S.indexInRange(col, cols);
        v.intoArray(c, at + col, m);
    }
}
