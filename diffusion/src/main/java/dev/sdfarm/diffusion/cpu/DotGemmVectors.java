package dev.sdfarm.diffusion.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The Vector API tile kernel of {@link DotGemm}: 16 vector accumulators for a full 4×4 tile, reduced at the end. */
final class DotGemmVectors implements DotGemm.TileKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ThreadLocal<float[]> ACCUMULATORS = ThreadLocal.withInitial(() -> new float[16 * L]);

    @Override
    public void tile(float[] a, int aOff, int lda, int rows, float[] b, int bOff, int ldb, int cols, int k,
                     float[] c, int cOff, int ldc) {
        if (rows == 4 && cols == 4) {
            // The accumulators leave through memory and are reduced here, in a small method: reducing them inside
            // full() makes it too big for the JIT to inline the reductions, and a vector passed to a call that
            // is not inlined gets boxed.
            float[] acc = ACCUMULATORS.get();
            int from = full(a, aOff, lda, b, bOff, ldb, k, acc);
            for (int r = 0; r < 4; r++) {
                row(c, cOff + r * ldc, acc, r * 4 * L, a, aOff + r * lda, b, bOff, ldb, from, k);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                c[cOff + r * ldc + j] = dot(a, aOff + r * lda, b, bOff + j * ldb, k);
            }
        }
    }

    /** Accumulates a 4×4 tile over whole vectors of k into {@code acc} (16 vectors); returns where the tail starts. */
    private static int full(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, int k, float[] acc) {
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00;
        FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
        FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
        FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        int a0 = aOff, a1 = aOff + lda, a2 = aOff + 2 * lda, a3 = aOff + 3 * lda;
        int b0 = bOff, b1 = bOff + ldb, b2 = bOff + 2 * ldb, b3 = bOff + 3 * ldb;
        int bound = S.loopBound(k);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector w0 = FloatVector.fromArray(S, b, b0 + i);
            FloatVector w1 = FloatVector.fromArray(S, b, b1 + i);
            FloatVector w2 = FloatVector.fromArray(S, b, b2 + i);
            FloatVector w3 = FloatVector.fromArray(S, b, b3 + i);
            FloatVector x = FloatVector.fromArray(S, a, a0 + i);
            s00 = x.fma(w0, s00);
            s01 = x.fma(w1, s01);
            s02 = x.fma(w2, s02);
            s03 = x.fma(w3, s03);
            x = FloatVector.fromArray(S, a, a1 + i);
            s10 = x.fma(w0, s10);
            s11 = x.fma(w1, s11);
            s12 = x.fma(w2, s12);
            s13 = x.fma(w3, s13);
            x = FloatVector.fromArray(S, a, a2 + i);
            s20 = x.fma(w0, s20);
            s21 = x.fma(w1, s21);
            s22 = x.fma(w2, s22);
            s23 = x.fma(w3, s23);
            x = FloatVector.fromArray(S, a, a3 + i);
            s30 = x.fma(w0, s30);
            s31 = x.fma(w1, s31);
            s32 = x.fma(w2, s32);
            s33 = x.fma(w3, s33);
        }
        s00.intoArray(acc, 0);
        s01.intoArray(acc, L);
        s02.intoArray(acc, 2 * L);
        s03.intoArray(acc, 3 * L);
        s10.intoArray(acc, 4 * L);
        s11.intoArray(acc, 5 * L);
        s12.intoArray(acc, 6 * L);
        s13.intoArray(acc, 7 * L);
        s20.intoArray(acc, 8 * L);
        s21.intoArray(acc, 9 * L);
        s22.intoArray(acc, 10 * L);
        s23.intoArray(acc, 11 * L);
        s30.intoArray(acc, 12 * L);
        s31.intoArray(acc, 13 * L);
        s32.intoArray(acc, 14 * L);
        s33.intoArray(acc, 15 * L);
        return i;
    }

    /** Reduces one row's four accumulators (at {@code acc[at..]}) and adds the scalar tail {@code [from, k)}. */
    private static void row(float[] c, int cAt, float[] acc, int at, float[] a, int ar, float[] b, int bOff, int ldb,
                            int from, int k) {
        float t0 = VectorMath.sum(FloatVector.fromArray(S, acc, at));
        float t1 = VectorMath.sum(FloatVector.fromArray(S, acc, at + L));
        float t2 = VectorMath.sum(FloatVector.fromArray(S, acc, at + 2 * L));
        float t3 = VectorMath.sum(FloatVector.fromArray(S, acc, at + 3 * L));
        for (int i = from; i < k; i++) {
            float x = a[ar + i];
            t0 += x * b[bOff + i];
            t1 += x * b[bOff + ldb + i];
            t2 += x * b[bOff + 2 * ldb + i];
            t3 += x * b[bOff + 3 * ldb + i];
        }
        c[cAt] = t0;
        c[cAt + 1] = t1;
        c[cAt + 2] = t2;
        c[cAt + 3] = t3;
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int k) {
        FloatVector s = FloatVector.zero(S);
        int bound = S.loopBound(k);
        int i = 0;
        for (; i < bound; i += L) {
            s = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s);
        }
        float t = VectorMath.sum(s);
        for (; i < k; i++) {
            t += a[aOff + i] * b[bOff + i];
        }
        return t;
    }
}
