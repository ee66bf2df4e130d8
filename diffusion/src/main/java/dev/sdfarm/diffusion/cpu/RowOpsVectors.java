package dev.sdfarm.diffusion.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link RowOps} with the Vector API; tails fall back to scalar code. */
final class RowOpsVectors implements RowOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return DotGemmVectors.dot(a, aOff, b, bOff, n);
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector a = FloatVector.broadcast(S, alpha);
        int bound = S.loopBound(n);
        int i = 0;
        for (; i < bound; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(a, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void softmax(float[] x, int off, int visible, int n, float scale) {
        FloatVector max = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < visible; j += L) {
            VectorMask<Float> m = S.indexInRange(j, visible);
            max = max.max(FloatVector.fromArray(S, x, off + j, m).blend(Float.NEGATIVE_INFINITY, m.not()));
        }
        float shift = scale * max.reduceLanes(VectorOperators.MAX); // max is exact in any order
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < visible; j += L) {
            VectorMask<Float> m = S.indexInRange(j, visible);
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, x, off + j, m).mul(scale).sub(shift))
                    .blend(0f, m.not());
            e.intoArray(x, off + j, m);
            sum = sum.add(e);
        }
        float inv = 1f / VectorMath.sum(sum);
        for (int j = 0; j < visible; j += L) {
            VectorMask<Float> m = S.indexInRange(j, visible);
            FloatVector.fromArray(S, x, off + j, m).mul(inv).intoArray(x, off + j, m);
        }
        Arrays.fill(x, off + visible, off + n, 0f);
    }

    /**
     * Every element goes through the same {@link VectorMath#exp}, the tail under a mask, so results do not depend
     * on how the parallel loop cut the range.
     */
    @Override
    public void swish(float[] x, float[] out, int from, int to, float beta) {
        for (int i = from; i < to; i += L) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(S, x, i, m);
            v.div(VectorMath.exp(v.mul(-beta)).add(1f)).intoArray(out, i, m);
        }
    }
}
