/**
 * Noise schedules and samplers as AUTOMATIC1111 (webui v1.10.1) runs them through k-diffusion
 * ({@code ab527a9a}) and its own DDIM, reproduced in float32 operation by operation.
 *
 * <p>Public API:
 * <ul>
 *   <li>{@link dev.sdfarm.diffusion.sample.Denoiser} - {@code model(x, sigma) -> denoised}, what k-diffusion samplers
 *       call; the caller wraps UNet, CFG and the eps-to-denoised conversion</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.TimestepDenoiser} - {@code model(x, t) -> eps}, what DDIM, PLMS and UniPC call</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.SamplerNoise} - ancestral/SDE noise; {@code of(LatentNoise)} is A1111's
 *       {@code ImageRNG.next()}</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.DiscreteSchedule} - a model's sigmas from {@code alphas_cumprod}
 *       ({@code get_sigmas}, {@code sigma_to_t}, {@code t_to_sigma}); SD1's linear-beta default</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.Scheduler} - A1111's schedule types (Automatic, Uniform, Karras,
 *       Exponential, Polyexponential, SGM Uniform, KL Optimal, Align Your Steps, Simple, Normal, DDIM, Beta)</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.Sampler} - A1111's sampler names and aliases, default schedulers,
 *       {@code get_sigmas} with {@code discard_next_to_last_sigma}, and {@code sample}; the timestep samplers'
 *       {@code get_timesteps} and {@code sample}</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.SamplerParams} - eta, s_churn, s_tmin, s_tmax, s_noise</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.KSamplers} - the k-diffusion sampling functions</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.Ddim} - A1111's DDIM on alphas</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.Plms} - A1111's PLMS on alphas</li>
 *   <li>{@link dev.sdfarm.diffusion.sample.UniPc} - A1111's UniPC (B(h) multistep predictor-corrector)</li>
 * </ul>
 *
 * <p>Latents are {@code float[]} holding the batch image after image. Precision: scalars that are 0-d float32
 * tensors upstream are floats here, and each elementwise torch kernel is one float operation per element, so results
 * agree with the reference to a few float ulps (transcendental functions may differ by 1 ulp from torch's SLEEF/glibc).
 */
package dev.sdfarm.diffusion.sample;
