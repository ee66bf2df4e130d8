package dev.sdfarm.diffusion.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector operations whose results are fixed bit for bit. The Vector API leaves the order of
 * {@code reduceLanes(ADD)} and the accuracy of {@code lanewise(EXP)} to the implementation, and the JIT-compiled
 * intrinsics and the interpreter's fallback really do differ, so the same call could give different bits before
 * and after warm-up. These are built from IEEE-exact lane operations (add, multiply, fused multiply-add,
 * conversions) only, so every run, thread count and warm-up state agrees.
 */
final class VectorMath {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    // One constant shuffle per tree level, in fields so the JIT sees constants (array elements are not).
    private static final VectorShuffle<Float> SWAP_32 = swap(32);
    private static final VectorShuffle<Float> SWAP_16 = swap(16);
    private static final VectorShuffle<Float> SWAP_8 = swap(8);
    private static final VectorShuffle<Float> SWAP_4 = swap(4);
    private static final VectorShuffle<Float> SWAP_2 = swap(2);
    private static final VectorShuffle<Float> SWAP_1 = swap(1);

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187045e-06f;
    /** Adding and subtracting 1.5·2²³ rounds a float of magnitude below 2²² to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final float MAX_ARG = 88.3762626647949f;
    private static final float MIN_ARG = -87.3365447504019f;

    private VectorMath() {
    }

    /** Exchanges lanes {@code width} apart (lane i with lane i ^ width); unused when wider than the vector. */
    private static VectorShuffle<Float> swap(int width) {
        return width >= L ? null : VectorShuffle.fromOp(S, lane -> lane ^ width);
    }

    /**
     * The sum of the lanes by a fixed pairwise tree. Every method on this path stays under the JIT's 35-byte
     * inlining limit for call sites it does not consider hot: a vector passed to a call that is not inlined gets
     * boxed, and the boxing spreads into the caller's loop.
     */
    static float sum(FloatVector v) {
        return L == 16 ? sum16(v) : L == 8 ? sum8(v) : sumAny(v);
    }

    private static float sum16(FloatVector v) {
        return fold(fold(fold(fold(v, SWAP_8), SWAP_4), SWAP_2), SWAP_1).lane(0);
    }

    private static float sum8(FloatVector v) {
        return fold(fold(fold(v, SWAP_4), SWAP_2), SWAP_1).lane(0);
    }

    private static FloatVector fold(FloatVector v, VectorShuffle<Float> swap) {
        return v.add(v.rearrange(swap));
    }

    private static float sumAny(FloatVector v) {
        for (VectorShuffle<Float> swap : Arrays.asList(SWAP_32, SWAP_16, SWAP_8, SWAP_4, SWAP_2, SWAP_1)) {
            if (swap != null) {
                v = fold(v, swap);
            }
        }
        return v.lane(0);
    }

    /**
     * {@code e^x} per lane within about 2 ulp: {@code x = n·ln2 + r} with {@code |r| ≤ ln2/2}, a degree-7 Taylor
     * polynomial for {@code e^r} (truncation below 2⁻²⁴ relative), and {@code 2^n} built in the exponent bits.
     * Arguments are clamped to the range where the result is a normal float.
     */
    static FloatVector exp(FloatVector x) {
        x = x.max(MIN_ARG).min(MAX_ARG);
        FloatVector n = x.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(S, 1f / 5040), FloatVector.broadcast(S, 1f / 720));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 120));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 24));
        p = p.fma(r, FloatVector.broadcast(S, 1f / 6));
        p = p.fma(r, FloatVector.broadcast(S, 0.5f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats());
    }
}
