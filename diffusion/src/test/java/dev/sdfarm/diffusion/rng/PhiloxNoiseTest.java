package dev.sdfarm.diffusion.rng;

import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PhiloxNoiseTest {

    /** {@code rng_philox.Generator(seed).randn(shape)}, bit for bit, from {@code a1111-nv-randn.safetensors}. */
    @TestFactory
    Stream<DynamicTest> matchesA1111Philox() {
        return RandnCases.tests("a1111-nv-randn.safetensors", PhiloxNoise::new);
    }

    /** The values printed in the docstring of {@code modules/rng_philox.py} for {@code Generator(seed=0)}. */
    @Test
    void matchesTheReferenceDocstring() {
        double[] printed = {-0.92466259, -0.42534415, -2.6438457, 0.14518388, -0.12086647, -0.57972564,
                -0.62285122, -0.32838709, -1.07454231, -0.36314407, -1.67105067, 2.26550497};
        float[] actual = new PhiloxNoise(0).randn(3, 4);
        for (int i = 0; i < printed.length; i++) {
            assertEquals(printed[i], actual[i], 5e-7, "element " + i);
        }
    }

    @Test
    void eachDrawAdvancesTheOffsetByOne() {
        PhiloxNoise noise = new PhiloxNoise(5);
        assertEquals(0, noise.offset());
        noise.randn(100);
        noise.randn(1);
        assertEquals(2, noise.offset());
    }

    @Test
    void elementsDependOnlyOnIndexAndDraw() {
        float[] longDraw = new PhiloxNoise(9).randn(50);
        float[] shortDraw = new PhiloxNoise(9).randn(7);
        FloatBits.assertSameBits("prefix", shortDraw, 0, longDraw, 0, 7);
    }

    /** The intrinsic fast path must give exactly the StrictMath result, including next to float rounding points. */
    @Test
    void fastBoxMullerEqualsTheStrictMathOne() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(17);
        int nearBoundary = 0;
        for (int i = 0; i < 2_000_000; i++) {
            int x = random.nextInt();
            int y = random.nextInt();
            double u = (x & 0xffffffffL) * (double) (float) 2.3283064e-10 + (double) ((float) 2.3283064e-10 / 2f);
            double v = (y & 0xffffffffL) * (double) (float) (2.3283064e-10 * 6.2831855)
                    + (double) ((float) (2.3283064e-10 * 6.2831855) / 2f);
            double strict = StrictMath.sqrt(-2.0 * StrictMath.log(u)) * StrictMath.sin(v);
            long below = Double.doubleToRawLongBits(strict) & 0x1FFFFFFF;
            if (Math.abs(below - 0x10000000) < 4096) {
                nearBoundary++;
            }
            assertEquals(Float.floatToRawIntBits((float) strict), Float.floatToRawIntBits(PhiloxNoise.boxMullerSine(x, y)),
                    "x=" + x + " y=" + y);
        }
        assertEquals(true, nearBoundary > 0, "no sample came near a rounding point");
    }

    @Test
    void allSixtyFourSeedBitsCount() {
        assertFalse(java.util.Arrays.equals(new PhiloxNoise(1).randn(8), new PhiloxNoise(1 + (1L << 32)).randn(8)));
        assertArrayEquals(new PhiloxNoise(-1).randn(8), new PhiloxNoise(0xffffffffffffffffL).randn(8));
    }
}
