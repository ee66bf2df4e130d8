package dev.sdfarm.diffusion.rng;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.fail;

/** Bit-for-bit comparison of float arrays that names the first differing elements. */
final class FloatBits {
    private static final int SHOWN = 8;

    private FloatBits() {
    }

    /** Fails unless every element has the same bits (so NaNs must match too, and -0 differs from +0). */
    static void assertSameBits(String what, float[] expected, float[] actual) {
        assertSameBits(what, expected, 0, actual, 0, expected.length);
    }

    static void assertSameBits(String what, float[] expected, int expectedFrom, float[] actual, int actualFrom,
                               int count) {
        int differing = 0;
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < count; i++) {
            float e = expected[expectedFrom + i];
            float a = actual[actualFrom + i];
            if (Float.floatToRawIntBits(e) != Float.floatToRawIntBits(a)) {
                if (differing < SHOWN) {
                    shown.append(String.format(Locale.ROOT, "%n  [%d] expected %s (0x%08x), actual %s (0x%08x), %d ulp",
                            i, e, Float.floatToRawIntBits(e), a, Float.floatToRawIntBits(a), ulps(e, a)));
                }
                differing++;
            }
        }
        if (differing > 0) {
            fail(what + ": " + differing + " of " + count + " values differ" + shown
                    + (differing > SHOWN ? String.format("%n  ...") : ""));
        }
    }

    private static long ulps(float a, float b) {
        return Math.abs(ordered(a) - ordered(b));
    }

    private static long ordered(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits < 0 ? -(long) (bits & 0x7fffffff) : bits;
    }
}
