package dev.sdfarm.diffusion.rng;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The pieces of A1111's slerp on their own, bit for bit against torch on the CPU ({@code torch-cpu-ops.safetensors}):
 * {@link TorchCpuReductions} and {@link SleefFloat}.
 */
class TorchCpuOpsTest {
    private static final String FILE = "torch-cpu-ops.safetensors";

    @TestFactory
    Stream<DynamicTest> reductionsMatchTorch() {
        RngVectors vectors = RngVectors.load(FILE);
        return vectors.cases().stream().map(c -> DynamicTest.dynamicTest((String) c.get("tensor"), () -> {
            int[] s = RngVectors.ints(c.get("shape"));
            String name = (String) c.get("tensor");
            float[] x = new TorchCpuNoise((Long) c.get("seed")).randn(s); // verified by the randn vectors
            FloatBits.assertSameBits(name + " norm(dim=1)", vectors.tensor(name + "/norm1"),
                    TorchCpuReductions.normOverRows(x, s[0], s[1], s[2]));
            float[] sum = TorchCpuReductions.sumOverRows(x, s[0], s[1], s[2]);
            FloatBits.assertSameBits(name + " sum(1)", vectors.tensor(name + "/sum1"), sum);
            FloatBits.assertSameBits(name + " sum(1).mean()", vectors.tensor(name + "/sum1-mean"),
                    new float[] {TorchCpuReductions.mean(sum, 0, sum.length)});
        }));
    }

    @Test
    void sleefAcosMatchesTorch() {
        check("acos", SleefFloat::acos);
    }

    @Test
    void sleefSinMatchesTorch() {
        check("sin", SleefFloat::sin);
    }

    private static void check(String fn, java.util.function.Function<Float, Float> f) {
        RngVectors vectors = RngVectors.load(FILE);
        float[] in = vectors.tensor(fn + "/in");
        float[] actual = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            actual[i] = f.apply(in[i]);
        }
        FloatBits.assertSameBits("torch." + fn, vectors.tensor(fn + "/out"), actual);
    }

}
