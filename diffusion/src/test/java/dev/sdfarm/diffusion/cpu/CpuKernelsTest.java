package dev.sdfarm.diffusion.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.diffusion.tensor.Activation;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every CPU kernel against PyTorch's result for the same inputs (fixtures made by
 * {@code src/test/fixtures/cpu/make_kernel_fixtures.py}), with the Vector API kernels and with the plain-loop
 * fallback, on one thread and on several.
 */
class CpuKernelsTest {
    private static Checkpoint fixtures;
    private static final CpuBackend[] BACKENDS = {
            new CpuBackend(1, true), new CpuBackend(3, true), new CpuBackend(1, false), new CpuBackend(2, false)};

    @BeforeAll
    static void open() throws IOException, URISyntaxException {
        fixtures = Checkpoint.open(Path.of(CpuKernelsTest.class.getResource("kernels.safetensors").toURI()));
    }

    @AfterAll
    static void close() throws IOException {
        fixtures.close();
        for (CpuBackend b : BACKENDS) {
            b.close();
        }
    }

    static Stream<CpuBackend> backends() {
        return Stream.of(BACKENDS);
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("backends")
    void linearMatchesTorchForFp32Fp16AndBf16Weights(CpuBackend cpu) throws IOException {
        for (String c : new String[] {"linear_small", "linear_wide", "linear_one", "linear_f16", "linear_bf16"}) {
            Tensor y = cpu.linear(in(cpu, c + ".x"), weight(cpu, c + ".w"), weight(cpu, c + ".b"));
            assertClose(c, c + ".out", y, 2e-5);
        }
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("backends")
    void batchedMatmulMatchesTorchPlainAndTransposed(CpuBackend cpu) throws IOException {
        assertClose("matmul", "matmul.out", cpu.matmul(in(cpu, "matmul.a"), in(cpu, "matmul.b"), false), 2e-5);
        assertClose("matmul_deep", "matmul_deep.out",
                cpu.matmul(in(cpu, "matmul_deep.a"), in(cpu, "matmul_deep.b"), false), 2e-5);
        assertClose("matmul_t", "matmul_t.out", cpu.matmul(in(cpu, "matmul_t.a"), in(cpu, "matmul_t.b"), true), 2e-5);
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("backends")
    void conv2dMatchesTorchForPaddingStrideAndPointwiseKernels(CpuBackend cpu) throws IOException {
        int[][] strideAndPadding = {{1, 1}, {2, 1}, {1, 0}, {1, 1}, {1, 1}};
        String[] cases = {"conv3", "conv3_s2", "conv1", "conv3_f16", "conv3_deep"};
        for (int i = 0; i < cases.length; i++) {
            String c = cases[i];
            Tensor y = cpu.conv2d(in(cpu, c + ".x"), weight(cpu, c + ".w"), weight(cpu, c + ".b"),
                    strideAndPadding[i][0], strideAndPadding[i][1]);
            assertClose(c, c + ".out", y, 2e-5);
        }
    }

    /**
     * Padding on some sides only, as the VAE encoder's downsampling ({@code F.pad(x, (0, 1, 0, 1))} then a stride-2
     * 3x3 convolution without padding), equals the unpadded convolution of the explicitly zero-padded input, which
     * the torch cases above cover; odd and even sizes, since the stride-2 output size depends on the parity.
     */
    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("backends")
    void conv2dWithPaddingOnSomeSidesEqualsConvOfTheZeroPaddedInput(CpuBackend cpu) {
        java.util.Random random = new java.util.Random(11);
        int[][] cases = {{2, 5, 9, 8, 7, 2, 0, 0, 1, 1}, {1, 4, 8, 8, 3, 2, 0, 0, 1, 1}, {1, 3, 6, 7, 4, 1, 2, 1, 0, 3},
                {1, 70, 5, 6, 9, 2, 1, 0, 1, 1}};
        for (int[] c : cases) {
            int n = c[0], cin = c[1], h = c[2], w = c[3], cout = c[4], stride = c[5];
            int top = c[6], left = c[7], bottom = c[8], right = c[9];
            float[] x = gaussian(random, n * cin * h * w);
            float[] weights = gaussian(random, cout * cin * 9);
            float[] bias = gaussian(random, cout);
            int ph = h + top + bottom;
            int pw = w + left + right;
            float[] padded = new float[n * cin * ph * pw];
            for (int plane = 0; plane < n * cin; plane++) {
                for (int y = 0; y < h; y++) {
                    System.arraycopy(x, (plane * h + y) * w, padded, (plane * ph + y + top) * pw + left, w);
                }
            }
            Tensor kernel = cpu.upload(weights, Shape.of(cout, cin, 3, 3));
            Tensor b = cpu.upload(bias, Shape.of(cout));
            Tensor expected = cpu.conv2d(cpu.upload(padded, Shape.of(n, cin, ph, pw)), kernel, b, stride, 0);
            Tensor actual = cpu.conv2d(cpu.upload(x, Shape.of(n, cin, h, w)), kernel, b, stride, top, left, bottom,
                    right);
            assertEquals(expected.shape(), actual.shape(), java.util.Arrays.toString(c));
            float[] e = cpu.toFloats(expected);
            float[] a = cpu.toFloats(actual);
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], 1e-5, java.util.Arrays.toString(c) + " element " + i);
            }
        }
        Tensor x = cpu.upload(new float[2 * 8 * 8], Shape.of(1, 2, 8, 8));
        assertEquals(Shape.of(1, 3, 4, 4), cpu.conv2d(x, cpu.upload(new float[3 * 2 * 9], Shape.of(3, 2, 3, 3)), null,
                2, 0, 0, 1, 1).shape());
    }

    private static float[] gaussian(java.util.Random random, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("backends")
    void normsMatchTorch(CpuBackend cpu) throws IOException {
        assertClose("layer norm", "layer_norm.out",
                cpu.layerNorm(in(cpu, "layer_norm.x"), weight(cpu, "layer_norm.g"), weight(cpu, "layer_norm.b"), 1e-5f),
                2e-5);
        assertClose("group norm", "group_norm.out",
                cpu.groupNorm(in(cpu, "group_norm.x"), 4, weight(cpu, "group_norm.g"), weight(cpu, "group_norm.b"),
                        1e-6f), 2e-5);
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("backends")
    void softmaxAndAttentionMatchTorch(CpuBackend cpu) throws IOException {
        assertClose("softmax", "softmax.out", cpu.softmax(in(cpu, "softmax.x")), 1e-6);
        assertClose("attention", "attention.out",
                cpu.attention(in(cpu, "attention.q"), in(cpu, "attention.k"), in(cpu, "attention.v"), 3, false), 2e-5);
        assertClose("causal attention", "attention_causal.out", cpu.attention(in(cpu, "attention_causal.q"),
                in(cpu, "attention_causal.k"), in(cpu, "attention_causal.v"), 4, true), 2e-5);
        assertClose("blocked attention", "attention_big.out", cpu.attention(in(cpu, "attention_big.q"),
                in(cpu, "attention_big.k"), in(cpu, "attention_big.v"), 2, false), 2e-5);
        assertClose("blocked causal attention", "attention_big_causal.out", cpu.attention(
                in(cpu, "attention_big_causal.q"), in(cpu, "attention_big_causal.k"), in(cpu, "attention_big_causal.v"),
                3, true), 2e-5);
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("backends")
    void activationsMatchTorch(CpuBackend cpu) throws IOException {
        Tensor x = in(cpu, "act.x");
        assertClose("gelu", "act.gelu", cpu.activation(x, Activation.GELU), 1e-6);
        assertClose("quick gelu", "act.quick_gelu", cpu.activation(x, Activation.QUICK_GELU), 1e-6);
        assertClose("silu", "act.silu", cpu.activation(x, Activation.SILU), 1e-6);
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("backends")
    void elementwiseOpsBroadcastAsTorchDoes(CpuBackend cpu) throws IOException {
        Tensor a = in(cpu, "bcast.a");
        assertClose("add [3,1,5]", "bcast.add_b1", cpu.add(a, in(cpu, "bcast.b1")), 0);
        assertClose("mul [4,1]", "bcast.mul_b2", cpu.mul(a, in(cpu, "bcast.b2")), 0);
        assertClose("add same shape", "bcast.add_same", cpu.add(a, a), 0);
        assertClose("upsample", "upsample.out", cpu.upsampleNearest2x(in(cpu, "upsample.x")), 0);
        assertClose("resize", "resize.out", cpu.resizeNearest(in(cpu, "resize.x"), 3, 7), 0);
        assertClose("concat dim 1", "concat.out", cpu.concat(1, in(cpu, "concat.a"), in(cpu, "concat.c")), 0);
        assertClose("transpose", "transpose.out", cpu.transpose(in(cpu, "transpose.x")), 0);
        assertClose("geglu", "geglu.out", cpu.geglu(in(cpu, "geglu.x")), 1e-6);
        assertClose("embedding", "embedding.out", cpu.embedding(weight(cpu, "embedding.table"), new int[] {0, 49, 7, 7, 13}), 0);
    }

    @Test
    void resultsDoNotDependOnTheNumberOfThreads() throws IOException {
        try (CpuBackend one = new CpuBackend(1, true); CpuBackend three = new CpuBackend(3, true)) {
            float[] x = new float[77 * 3072 + 5];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i % 1013) / 50f - 10f;
            }
            for (Activation a : Activation.values()) {
                float[] single = one.toFloats(one.activation(one.upload(x, Shape.of(x.length)), a));
                float[] multi = three.toFloats(three.activation(three.upload(x, Shape.of(x.length)), a));
                org.junit.jupiter.api.Assertions.assertArrayEquals(single, multi, a.name());
            }
            String c = "linear_wide";
            float[] single = one.toFloats(one.linear(in(one, c + ".x"), weight(one, c + ".w"), weight(one, c + ".b")));
            float[] multi = three.toFloats(three.linear(in(three, c + ".x"), weight(three, c + ".w"),
                    weight(three, c + ".b")));
            org.junit.jupiter.api.Assertions.assertArrayEquals(single, multi, "linear");
        }
    }

    @Test
    void shapeMismatchesAreRejectedWithBothShapes() throws IOException {
        CpuBackend cpu = BACKENDS[0];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cpu.linear(in(cpu, "linear_small.x"), weight(cpu, "linear_wide.w"), null));
        assertEquals("linear: input [7, 37] does not match weight [200, 96]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cpu.add(in(cpu, "bcast.b1"), in(cpu, "bcast.a")));
        assertThrows(IllegalArgumentException.class,
                () -> cpu.embedding(weight(cpu, "embedding.table"), new int[] {50}));
    }

    @Test
    void weightsStayInTheirStoredTypeAndTensorsOfAnotherBackendAreRefused() throws IOException {
        CpuBackend cpu = BACKENDS[0];
        assertEquals(DType.F16, weight(cpu, "linear_f16.w").dtype());
        assertEquals(DType.BF16, weight(cpu, "linear_bf16.w").dtype());
        Tensor foreign = BACKENDS[1].upload(new float[] {1}, Shape.of(1));
        assertThrows(IllegalArgumentException.class, () -> cpu.scale(foreign, 2f));
    }

    private static Tensor weight(Backend b, String name) throws IOException {
        return b.weight(fixtures, fixtures.tensor(name).orElseThrow(() -> new AssertionError("no fixture " + name)));
    }

    /** Fixture inputs as activations (fp32 host values). */
    private static Tensor in(Backend b, String name) throws IOException {
        Tensor w = weight(b, name);
        return b.upload(b.toFloats(w), w.shape());
    }

    private static void assertClose(String what, String expectedName, Tensor actual, double tolerance)
            throws IOException {
        Tensor expectedTensor = weight(actual.backend(), expectedName);
        assertEquals(expectedTensor.shape(), actual.shape(), what + ": shape");
        float[] expected = actual.backend().toFloats(expectedTensor);
        float[] got = actual.backend().toFloats(actual);
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - got[i]);
            if (!(err <= tolerance * Math.max(1, Math.abs(expected[i])))) {
                fail(what + " differs from torch at flat index " + i + ": expected " + expected[i] + ", got " + got[i]
                        + " (tolerance " + tolerance + ")");
            }
        }
    }
}
