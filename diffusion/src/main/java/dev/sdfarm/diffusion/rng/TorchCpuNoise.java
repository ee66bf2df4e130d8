package dev.sdfarm.diffusion.rng;

import java.util.Objects;

/**
 * {@code torch.randn} on the CPU: {@code torch.manual_seed(seed)} (or a fresh {@code torch.Generator("cpu")}
 * seeded so), then successive {@code torch.randn(shape)} calls, as AUTOMATIC1111 draws them with its "CPU"
 * random number source. Bit-exact with the x86-64 Linux builds of PyTorch, for the kernel torch picked
 * ({@link TorchCpuKernel}; by default its AVX2 one).
 *
 * <p>What torch does, from {@code ATen/native/cpu/DistributionTemplates.h} ({@code normal_kernel}) and
 * {@code ATen/core/DistributionsHelper.h}:
 * <ul>
 *   <li>Tensors of 16 or more elements ({@code normal_fill_AVX2}): first every element gets a float uniform
 *       {@code (random() & 0xFFFFFF) * 2^-24} ({@code transformation::uniform_real}); then each block of 16 turns
 *       its 8 + 8 uniforms into normals by Box-Muller ({@code normal_fill_16_AVX2}: {@code u1 = 1 - a[j]},
 *       {@code u2 = a[j + 8]}, {@code a[j] = sqrt(-2 log u1) cos(2 pi u2)}, {@code a[j + 8] = ... sin}). If the count
 *       is not a multiple of 16, 16 fresh uniforms are drawn over the last 16 elements and that block is redone,
 *       so the tail overwrites values of the last full block. The transcendental functions are
 *       {@code avx_mathfun.h}'s ({@link AvxMathFun}), or glibc's in the plain {@code normal_fill_16}
 *       ({@link GlibcFloatMath}).</li>
 *   <li>Fewer than 16 elements ({@code cpu_serial_kernel} over {@code normal_distribution<double>}): each value
 *       is a double Box-Muller sample rounded to float; the two uniforms are 53-bit {@code random64()} doubles,
 *       {@code r = sqrt(-2 log(1 - u2))} and {@code theta = 2 pi u1}. The value returned is {@code r cos(theta)};
 *       {@code r sin(theta)} is cached in the generator and returned by the next scalar draw, even one in a later
 *       {@code randn} call. Seeding clears the cache; the 16-or-more path neither reads nor clears it.</li>
 * </ul>
 *
 * <p>Version notes. PyTorch 1.13 and the 2.x sources read (up to about 2.4) have the same kernels; 2.x adds a
 * POWER (VSX) variant. Later releases compute {@code log1p(-u2)} where 1.13 computes {@code log(1 - u2)}; as
 * {@code u2} is a multiple of 2<sup>-53</sup>, {@code 1 - u2} is exact and both round the same value. Builds this class does not reproduce differ in the last
 * bits: the AVX2 kernel from a compiler that does not fuse the multiply-adds in {@code avx_mathfun.h} (about 1% of
 * values differ by an ulp), and the plain {@code normal_fill} over a C library other than glibc (Windows, macOS).
 *
 * <p>Not thread-safe.
 */
public final class TorchCpuNoise implements NoiseGenerator {
    private static final float TWO_PI_FLOAT = (float) (2.0 * Math.PI);
    private static final float UNIFORM_SCALE = 0x1p-24f;
    private static final double UNIFORM_SCALE_DOUBLE = 0x1p-53;
    private static final long DOUBLE_MANTISSA_MASK = (1L << 53) - 1;
    private static final int BLOCK = 16;

    private final Mt19937 engine;
    private final TorchCpuKernel kernel;
    private final float[] sinCos = new float[2];
    private boolean hasCachedNormal;
    private double cachedNormal;

    /**
     * A generator in the state {@code torch.manual_seed(seed)} leaves it, drawing with torch's AVX2 kernel;
     * negative seeds are two's complement.
     */
    public TorchCpuNoise(long seed) {
        this(seed, TorchCpuKernel.AVX2);
    }

    /** As {@link #TorchCpuNoise(long)}, reproducing the given kernel for draws of 16 or more values. */
    public TorchCpuNoise(long seed, TorchCpuKernel kernel) {
        this.engine = new Mt19937(seed);
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    public TorchCpuKernel kernel() {
        return kernel;
    }

    /** {@code torch.manual_seed(seed)}: restarts the stream and forgets the cached normal sample. */
    public void reseed(long seed) {
        engine.reseed(seed);
        hasCachedNormal = false;
    }

    @Override
    public void randn(float[] out, int offset, int count) {
        Objects.checkFromIndexSize(offset, count, out.length);
        if (count >= BLOCK) {
            fillVectorised(out, offset, count);
        } else {
            for (int i = 0; i < count; i++) {
                out[offset + i] = (float) nextDoubleNormal();
            }
        }
    }

    /** {@code normal_fill_AVX2} or {@code normal_fill}: the same steps around different Box-Muller blocks. */
    private void fillVectorised(float[] out, int offset, int count) {
        fillUniform(out, offset, count);
        int end = offset + count;
        for (int i = offset; i + BLOCK <= end; i += BLOCK) {
            boxMuller16(out, i);
        }
        if (count % BLOCK != 0) {
            int last = end - BLOCK;
            fillUniform(out, last, BLOCK);
            boxMuller16(out, last);
        }
    }

    private void boxMuller16(float[] a, int at) {
        if (kernel == TorchCpuKernel.AVX2) {
            boxMuller16Avx2(a, at);
        } else {
            boxMuller16Glibc(a, at);
        }
    }

    private void fillUniform(float[] out, int offset, int count) {
        Mt19937 mt = engine;
        for (int i = offset, end = offset + count; i < end; i++) {
            out[i] = (mt.nextInt() & 0xFFFFFF) * UNIFORM_SCALE;
        }
    }

    /** {@code normal_fill_16_AVX2} with mean 0 and standard deviation 1, one lane at a time. */
    private void boxMuller16Avx2(float[] a, int at) {
        float[] sc = sinCos;
        for (int j = at; j < at + 8; j++) {
            float u1 = 1f - a[j];
            float u2 = a[j + 8];
            float radius = (float) Math.sqrt(-2f * AvxMathFun.log(u1));
            float theta = TWO_PI_FLOAT * u2;
            AvxMathFun.sincos(theta, sc, 0);
            // _mm256_fmadd_ps(n, std = 1, mean = 0): exact, but turns -0 into +0
            a[j] = radius * sc[1] + 0f;
            a[j + 8] = radius * sc[0] + 0f;
        }
    }

    /**
     * {@code normal_fill_16} for float with mean 0 and standard deviation 1:
     * {@code radius = sqrtf(-2 * logf(1 - a[j]))}, {@code theta = (float) (2.0 * pi * a[j + 8])} computed in double,
     * {@code a[j] = radius * cosf(theta) * 1 + 0}, {@code a[j + 8] = radius * sinf(theta) * 1 + 0}.
     */
    private static void boxMuller16Glibc(float[] a, int at) {
        for (int j = at; j < at + 8; j++) {
            float u1 = 1f - a[j];
            float u2 = a[j + 8];
            float radius = (float) Math.sqrt(-2f * GlibcFloatMath.log(u1));
            float theta = (float) (2.0 * Math.PI * u2);
            a[j] = radius * GlibcFloatMath.cos(theta) + 0f;
            a[j + 8] = radius * GlibcFloatMath.sin(theta) + 0f;
        }
    }

    /** {@code normal_distribution<double>::operator()} with its cached second sample. */
    private double nextDoubleNormal() {
        if (hasCachedNormal) {
            hasCachedNormal = false;
            return cachedNormal + 0.0;
        }
        double u1 = (engine.nextLong() & DOUBLE_MANTISSA_MASK) * UNIFORM_SCALE_DOUBLE;
        double u2 = (engine.nextLong() & DOUBLE_MANTISSA_MASK) * UNIFORM_SCALE_DOUBLE;
        double r = StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        cachedNormal = r * StrictMath.sin(theta);
        hasCachedNormal = true;
        return r * StrictMath.cos(theta) + 0.0;
    }
}
