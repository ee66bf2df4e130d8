package dev.sdfarm.diffusion.rng;

/**
 * One lane of {@code log256_ps} and {@code sincos256_ps} from PyTorch's {@code ATen/native/cpu/avx_mathfun.h}
 * (Giovanni Garberoglio's AVX port of Julien Pommier's cephes-based {@code sse_mathfun}), which the AVX2 build
 * of {@code torch.randn} on the CPU uses for its Box-Muller step.
 *
 * <p>These are not correctly rounded, so {@link Math#log} and {@link Math#sin} would differ in the last bits.
 * What is reproduced is the exact float arithmetic of the x86-64 Linux builds of PyTorch, which GCC compiles
 * with {@code -mavx2 -mfma} and its default {@code -ffp-contract=fast}: GCC fuses many of the header's
 * separate {@code _mm256_mul_ps}/{@code _mm256_add_ps} pairs into single-rounding FMA instructions. The fused
 * pairs below were read off GCC 12's code for {@code normal_fill_16_AVX2} and are marked {@code fused}; every
 * other operation rounds on its own, as written in the header. Without that fusion (a compiler that keeps
 * intrinsics apart) about one value in a hundred would differ by an ulp.
 *
 * <p>Constants are the header's literals, which C rounds to double and then to float.
 */
final class AvxMathFun {
    private AvxMathFun() {
    }

    private static final float SQRTHF = (float) 0.707106781186547524;
    private static final float LOG_P0 = (float) 7.0376836292E-2;
    private static final float LOG_P1 = (float) -1.1514610310E-1;
    private static final float LOG_P2 = (float) 1.1676998740E-1;
    private static final float LOG_P3 = (float) -1.2420140846E-1;
    private static final float LOG_P4 = (float) 1.4249322787E-1;
    private static final float LOG_P5 = (float) -1.6668057665E-1;
    private static final float LOG_P6 = (float) 2.0000714765E-1;
    private static final float LOG_P7 = (float) -2.4999993993E-1;
    private static final float LOG_P8 = (float) 3.3333331174E-1;
    private static final float LOG_Q1 = (float) -2.12194440e-4;
    private static final float LOG_Q2 = (float) 0.693359375;

    private static final float MINUS_DP1 = (float) -0.78515625;
    private static final float MINUS_DP2 = (float) -2.4187564849853515625e-4;
    private static final float MINUS_DP3 = (float) -3.77489497744594108e-8;
    private static final float SINCOF_P0 = (float) -1.9515295891E-4;
    private static final float SINCOF_P1 = (float) 8.3321608736E-3;
    private static final float SINCOF_P2 = (float) -1.6666654611E-1;
    private static final float COSCOF_P0 = (float) 2.443315711809948E-005;
    private static final float COSCOF_P1 = (float) -1.388731625493765E-003;
    private static final float COSCOF_P2 = (float) 4.166664568298827E-002;
    private static final float FOUR_OVER_PI = (float) 1.27323954473516;

    private static final int SIGN_BIT = 0x80000000;

    /**
     * {@code log256_ps} for one positive lane: cephes {@code logf} (exponent split, a degree-8 polynomial in
     * the mantissa, {@code ln 2} in two parts). The header's NaN mask for {@code x <= 0} is kept.
     */
    static float log(float x) {
        boolean invalid = !(x > 0f);
        x = Math.max(x, Float.MIN_NORMAL); // cut off denormals
        int bits = Float.floatToRawIntBits(x);
        float e = (float) ((bits >>> 23) - 0x7f);
        float m = Float.intBitsToFloat((bits & ~0x7f800000) | 0x3f000000); // mantissa in [0.5, 1)
        e = e + 1f;
        boolean small = m < SQRTHF;
        float tmp = small ? m : 0f;
        m = m - 1f;
        e = e - (small ? 1f : 0f);
        m = m + tmp;
        float z = m * m;
        float y = LOG_P0;
        y = Math.fma(y, m, LOG_P1); // fused
        y = Math.fma(y, m, LOG_P2); // fused
        y = Math.fma(y, m, LOG_P3); // fused
        y = Math.fma(y, m, LOG_P4); // fused
        y = Math.fma(y, m, LOG_P5); // fused
        y = Math.fma(y, m, LOG_P6); // fused
        y = Math.fma(y, m, LOG_P7); // fused
        y = Math.fma(y, m, LOG_P8); // fused
        y = y * m;
        y = Math.fma(y, z, e * LOG_Q1); // fused: y * z + (e * q1)
        y = y - z * 0.5f; // fused as fnmadd, but z * 0.5 is exact here, so the one rounding is the same
        m = m + y;
        float result = Math.fma(e, LOG_Q2, m); // fused
        return invalid ? Float.NaN : result;
    }

    /**
     * {@code sincos256_ps} for one lane: cephes {@code sinf}/{@code cosf} with the octant reduction
     * {@code j = (int)(|x| * 4/pi)} rounded up to even and Cody-Waite subtraction of {@code j * pi/4} in three
     * parts. Stores {@code sin(x)} at {@code out[at]} and {@code cos(x)} at {@code out[at + 1]}.
     */
    static void sincos(float x, float[] out, int at) {
        int signSin = Float.floatToRawIntBits(x) & SIGN_BIT;
        float ax = Math.abs(x);
        int j = (int) (ax * FOUR_OVER_PI); // cvttps2dq truncates
        j = (j + 1) & ~1;
        float yj = (float) j;
        int swapSin = (j & 4) << 29;
        boolean firstPolyForSin = (j & 2) == 0;
        ax = Math.fma(yj, MINUS_DP1, ax); // fused
        ax = Math.fma(yj, MINUS_DP2, ax); // fused
        ax = Math.fma(yj, MINUS_DP3, ax); // fused
        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSin;

        float z = ax * ax;
        float halfZ = z * 0.5f;
        float yc = Math.fma(COSCOF_P0, z, COSCOF_P1); // fused
        yc = Math.fma(yc, z, COSCOF_P2); // fused
        yc = yc * z;
        yc = Math.fma(yc, z, -halfZ); // fused: y * z - 0.5 * z
        yc = yc + 1f;

        float ys = Math.fma(SINCOF_P0, z, SINCOF_P1); // fused
        ys = Math.fma(ys, z, SINCOF_P2); // fused
        ys = ys * z;
        ys = Math.fma(ys, ax, ax); // fused: y2 * x + x

        // The header selects with bit masks and adds the discarded polynomial's zero back; keep that for the
        // sign of zero.
        float ysin2 = firstPolyForSin ? ys : 0f;
        float ysin1 = firstPolyForSin ? 0f : yc;
        float sin = ysin1 + ysin2;
        float cos = (yc - ysin1) + (ys - ysin2);
        out[at] = Float.intBitsToFloat(Float.floatToRawIntBits(sin) ^ signSin);
        out[at + 1] = Float.intBitsToFloat(Float.floatToRawIntBits(cos) ^ signCos);
    }
}
