package dev.sdfarm.diffusion.rng;

import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchCpuNoiseTest {

    /**
     * {@code torch.manual_seed(seed); torch.randn(shape)} with torch's AVX2 kernels, bit for bit, from
     * {@code torch-cpu-randn-avx2.safetensors}.
     */
    @TestFactory
    Stream<DynamicTest> matchesTorchAvx2Randn() {
        return RandnCases.tests("torch-cpu-randn-avx2.safetensors", TorchCpuNoise::new);
    }

    /** The same with the plain {@code normal_fill} over glibc ({@code ATEN_CPU_CAPABILITY=default}). */
    @TestFactory
    Stream<DynamicTest> matchesTorchPlainRandn() {
        return RandnCases.tests("torch-cpu-randn-default.safetensors", seed -> new TorchCpuNoise(seed, TorchCpuKernel.GLIBC));
    }

    @Test
    void fixturesComeFromTheKernelsTheyAreNamedFor() {
        assertEquals("AVX2", RngVectors.load("torch-cpu-randn-avx2.safetensors").metadata("cpu_capability"));
        assertEquals("NO AVX", RngVectors.load("torch-cpu-randn-default.safetensors").metadata("cpu_capability"));
    }

    @Test
    void kernelsShareEverythingButTheBoxMullerArithmetic() {
        float[] avx2 = new TorchCpuNoise(5).randn(4, 16, 16);
        float[] glibc = new TorchCpuNoise(5, TorchCpuKernel.GLIBC).randn(4, 16, 16);
        int differing = 0;
        for (int i = 0; i < avx2.length; i++) {
            assertEquals(avx2[i], glibc[i], 4e-6f, "element " + i);
            differing += Float.floatToRawIntBits(avx2[i]) != Float.floatToRawIntBits(glibc[i]) ? 1 : 0;
        }
        assertTrue(differing > 0 && differing < avx2.length / 2, differing + " values differ");
        assertArrayEquals(new TorchCpuNoise(5).randn(15), new TorchCpuNoise(5, TorchCpuKernel.GLIBC).randn(15));
    }

    @Test
    void onlyTheLow32BitsOfTheSeedCount() {
        assertArrayEquals(new TorchCpuNoise(7).randn(4, 9, 7), new TorchCpuNoise(7 + (5L << 32)).randn(4, 9, 7));
        assertArrayEquals(new TorchCpuNoise(-1).randn(3), new TorchCpuNoise(0xffffffffL).randn(3));
    }

    @Test
    void reseedingRestartsTheStreamAndDropsTheCachedSample() {
        TorchCpuNoise noise = new TorchCpuNoise(42);
        float[] first = noise.randn(1);
        noise.randn(20);
        noise.reseed(42);
        assertArrayEquals(first, noise.randn(1), "a cached second sample would have been returned instead");
        assertArrayEquals(new TorchCpuNoise(42).randn(2), concat(new TorchCpuNoise(42).randn(1), noiseAfterOne(42)));
    }

    private static float[] noiseAfterOne(long seed) {
        TorchCpuNoise noise = new TorchCpuNoise(seed);
        noise.randn(1);
        return noise.randn(1);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = new float[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void fillsOnlyTheGivenRange() {
        float[] out = new float[40];
        java.util.Arrays.fill(out, 9f);
        new TorchCpuNoise(3).randn(out, 5, 30);
        assertEquals(9f, out[4]);
        assertEquals(9f, out[35]);
        float[] expected = new TorchCpuNoise(3).randn(30);
        FloatBits.assertSameBits("offset draw", expected, 0, out, 5, 30);
        assertThrows(IndexOutOfBoundsException.class, () -> new TorchCpuNoise(3).randn(out, 20, 21));
    }

    @Test
    void emptyDrawsConsumeNothing() {
        TorchCpuNoise noise = new TorchCpuNoise(11);
        assertEquals(0, noise.randn(0).length);
        assertEquals(0, noise.randn(4, 0, 8).length);
        assertArrayEquals(new TorchCpuNoise(11).randn(17), noise.randn(17));
    }

    @Test
    void valuesLookStandardNormal() {
        float[] x = new TorchCpuNoise(123).randn(1 << 16);
        double sum = 0;
        double squares = 0;
        for (float v : x) {
            assertFalse(Float.isNaN(v) || Float.isInfinite(v));
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / x.length;
        double variance = squares / x.length - mean * mean;
        assertTrue(Math.abs(mean) < 0.02, "mean " + mean);
        assertTrue(Math.abs(variance - 1) < 0.02, "variance " + variance);
    }
}
