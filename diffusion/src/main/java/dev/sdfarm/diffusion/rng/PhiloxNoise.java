package dev.sdfarm.diffusion.rng;

import java.util.Objects;

/**
 * {@code torch.randn} on a CUDA device as AUTOMATIC1111 reproduces it on the CPU: its "NV" random number source,
 * {@code modules/rng_philox.py} ({@code Generator.randn}). Bit-exact with that reference.
 *
 * <p>Element {@code i} of the {@code k}-th draw (counting from 0 after seeding) is Philox4x32-10 with key
 * {@code (seed low 32 bits, seed high 32 bits)} and counter {@code (k, 0, i, 0)}, whose first two output words
 * {@code x, y} go through one Box-Muller step ({@code box_muller}):
 * {@code u = x 2^-32 + 2^-33}, {@code v = (y 2^-32 + 2^-33) 2 pi}, value {@code sqrt(-2 ln u) sin v}. The
 * constants are the reference's float32 ones ({@code 2.3283064e-10} and {@code 2.3283064e-10 * 6.2831855}
 * rounded to float32), but numpy evaluates the step in float64 (uint32 times float32 promotes to float64) and
 * rounds only the result to float32; so does this class. cuRAND on a GPU does the same steps in float with its
 * fast {@code logf}/{@code sinf}, hence the reference (and this class) can differ from a real CUDA
 * {@code randn} in the last bits; the cuRAND counter layout ({@code curand_init(seed, i, 0)}, one thread per
 * element, {@code curand_normal4} keeping the sine of the first pair) is the same as long as the tensor fits in one
 * launch wave of threads. stable-diffusion.cpp's {@code rng_philox.hpp} ports the same reference but in float.
 *
 * <p>The result is what {@link StrictMath}'s (fdlibm) double {@code log}, {@code sqrt} and {@code sin} give,
 * rounded to float. numpy's own SIMD versions may differ from them in the last double bit, which changes the
 * float32 result only when the exact value lies within a few double ulps of a float32 rounding boundary (odds of
 * the order of 10<sup>-8</sup> per value; none in the 8 million values checked). For speed the step first runs on
 * {@link Math}'s intrinsics, which the Java specification keeps within 1 ulp as well; only a result within a
 * thousand double ulps of a float32 rounding boundary is recomputed with {@code StrictMath}, so the output is
 * always exactly the {@code StrictMath} one.
 *
 * <p>Seeds are taken as unsigned 64-bit values (negative ones are two's complement, as numpy fills its uint64
 * key). Not thread-safe.
 */
public final class PhiloxNoise implements NoiseGenerator {
    private static final double TWO_POW32_INV = (float) 2.3283064e-10;
    private static final double TWO_POW32_INV_HALF = (float) 2.3283064e-10 / 2f;
    private static final double TWO_POW32_INV_2PI = (float) (2.3283064e-10 * 6.2831855);
    private static final double TWO_POW32_INV_2PI_HALF = (float) (2.3283064e-10 * 6.2831855) / 2f;

    private final int keyLow;
    private final int keyHigh;
    private int offset;

    /** A generator in the state {@code rng_philox.Generator(seed)} starts in (offset 0). */
    public PhiloxNoise(long seed) {
        this.keyLow = (int) seed;
        this.keyHigh = (int) (seed >>> 32);
    }

    /** How many draws have been taken; the next draw uses this as counter word 0. */
    public long offset() {
        return offset & 0xffffffffL;
    }

    /**
     * Draws are limited to 2<sup>32</sup> elements, as in the reference (its element index is a uint32 counter
     * word).
     */
    @Override
    public void randn(float[] out, int offset, int count) {
        Objects.checkFromIndexSize(offset, count, out.length);
        int draw = this.offset++;
        for (int i = 0; i < count; i++) {
            long words = Philox4x32.firstTwoWords(draw, 0, i, 0, keyLow, keyHigh);
            out[offset + i] = boxMullerSine((int) words, (int) (words >>> 32));
        }
    }

    /** {@code box_muller}: the sine half of one Box-Muller pair, in double, rounded once to float. */
    static float boxMullerSine(int x, int y) {
        double u = (x & 0xffffffffL) * TWO_POW32_INV + TWO_POW32_INV_HALF;
        double v = (y & 0xffffffffL) * TWO_POW32_INV_2PI + TWO_POW32_INV_2PI_HALF;
        double fast = Math.sqrt(-2.0 * Math.log(u)) * Math.sin(v);
        if (!nearFloatRoundingBoundary(fast)) {
            return (float) fast;
        }
        return (float) (StrictMath.sqrt(-2.0 * StrictMath.log(u)) * StrictMath.sin(v));
    }

    /**
     * Whether rounding {@code value} to float could flip for a change of a thousand double ulps: its 29 mantissa
     * bits below float precision are within 1024 of the halfway pattern (or it is too small for that test). Two
     * evaluations of the step whose functions are each within 1 ulp differ by no more than a few double ulps, so
     * outside this band both round to the same float.
     */
    private static boolean nearFloatRoundingBoundary(double value) {
        if (!(Math.abs(value) >= 0x1p-120)) {
            return true;
        }
        int below = (int) (Double.doubleToRawLongBits(value) & 0x1FFFFFFF);
        return Math.abs(below - 0x10000000) <= 1024;
    }
}
