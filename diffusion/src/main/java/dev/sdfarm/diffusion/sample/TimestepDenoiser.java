package dev.sdfarm.diffusion.sample;

/**
 * The model as A1111's timestep samplers (DDIM) call it: {@code model(x, t) -> eps}, the predicted noise at the
 * discrete timestep {@code t} (0 to 999, passed as a float as A1111's {@code timesteps[index].item() * s_in}).
 * {@code x} holds the whole batch ({@code [batch * n]}); implementations must not modify it.
 */
@FunctionalInterface
public interface TimestepDenoiser {
    float[] predictEps(float[] x, float timestep);
}
