package dev.sdfarm.diffusion.rng;

/**
 * Which of PyTorch's CPU kernels draws {@code torch.randn} for tensors of 16 or more float elements. The choice is
 * made once, when torch starts: by the CPU ({@code ATen/native/DispatchStub.cpp}, unless {@code ATEN_CPU_CAPABILITY}
 * overrides it) and by what the build contains. The uniforms, the Box-Muller pairing, the tail handling and the
 * path for fewer than 16 values are the same in all of them. The Box-Muller arithmetic differs: the two kernels
 * below disagree in the last bits of about 38% of the values (by at most about 2e-6), mostly because one rounds
 * the angle {@code 2 pi u2} in float and the other in double.
 */
public enum TorchCpuKernel {
    /**
     * {@code normal_fill_AVX2} with {@code avx_mathfun.h}, as GCC compiles it for x86-64 Linux (fused
     * multiply-adds, {@link AvxMathFun}). Torch runs it on CPUs with AVX2 and FMA, unless it chooses AVX-512 kernels.
     * This is the default; the reference vectors come from it.
     */
    AVX2,
    /**
     * The plain {@code normal_fill} ({@code normal_fill_16}): float {@code logf}, {@code cosf} and {@code sinf} from
     * glibc 2.28 or later, in their FMA variants ({@link GlibcFloatMath}), with {@code theta = 2 pi u2} in double
     * rounded to float. Torch runs it with its AVX-512 kernels (torch 2.x picks them on CPUs with AVX-512 VL, BW and
     * DQ) and without vector kernels ({@code ATEN_CPU_CAPABILITY=default}), on Linux.
     */
    GLIBC
}
