/**
 * Noise that matches {@code torch.randn} bit for bit: the CPU generator (mt19937) and the CUDA Philox source
 * that AUTOMATIC1111 uses by default, plus A1111's seed rules (random seed, seed per image, subseed variation).
 *
 * <p>Why bit for bit: a seed is only useful to users if it reproduces the image they got elsewhere, and diffusion
 * amplifies any difference in the starting noise.
 *
 * <p>Public API:
 * <ul>
 *   <li>{@link dev.sdfarm.diffusion.rng.NoiseGenerator} - a seeded stream of standard normal draws, one call per
 *       {@code torch.randn} call</li>
 *   <li>{@link dev.sdfarm.diffusion.rng.TorchCpuNoise} - {@code torch.randn} on the CPU (mt19937, the AVX2 or
 *       the plain Box-Muller kernel, the scalar double path for fewer than 16 values)</li>
 *   <li>{@link dev.sdfarm.diffusion.rng.TorchCpuKernel} - which of torch's CPU kernels to reproduce</li>
 *   <li>{@link dev.sdfarm.diffusion.rng.PhiloxNoise} - Philox4x32-10 as A1111's {@code rng_philox.py} computes it,
 *       its "NV" source and stand-in for CUDA</li>
 *   <li>{@link dev.sdfarm.diffusion.rng.NoiseFactory} - makes a seeded generator, as A1111's
 *       {@code create_generator}</li>
 *   <li>{@link dev.sdfarm.diffusion.rng.NoiseSource} - A1111's "GPU", "CPU" and "NV" random number sources</li>
 *   <li>{@link dev.sdfarm.diffusion.rng.FixedSeed} - {@code get_fixed_seed}: -1, empty or unreadable seeds become
 *       random ones</li>
 *   <li>{@link dev.sdfarm.diffusion.rng.SeedPlan} - the seed and variation seed of every image of a job, and its
 *       batches</li>
 *   <li>{@link dev.sdfarm.diffusion.rng.LatentShape} - the {@code [4, h / 8, w / 8]} latent of an image</li>
 *   <li>{@link dev.sdfarm.diffusion.rng.LatentNoise} - {@code ImageRNG}: a batch's initial noise (with variation
 *       slerp, seed resizing and eta noise seed delta) and the sampler noise after it</li>
 * </ul>
 *
 * <p>Inside, each piece of upstream arithmetic that decides the bits has a class of its own: {@code Mt19937},
 * {@code AvxMathFun} (torch's {@code avx_mathfun.h} as GCC compiles it), {@code GlibcFloatMath} (glibc's
 * {@code logf}/{@code sinf}/{@code cosf}), {@code Philox4x32}, {@code SleefFloat} (SLEEF's {@code sinf}/{@code acosf}),
 * {@code TorchCpuReductions} (torch's CPU summation orders) and {@code A1111Slerp}.
 */
package dev.sdfarm.diffusion.rng;
