package dev.sdfarm.diffusion.rng;

/**
 * Makes a fresh generator for a seed, as A1111's {@code create_generator(seed)} does for its configured source.
 * {@link NoiseSource} is one; a lambda such as {@code seed -> new TorchCpuNoise(seed, TorchCpuKernel.GLIBC)}
 * picks a particular torch build.
 */
@FunctionalInterface
public interface NoiseFactory {

    /** A generator in the state that seeding with {@code seed} leaves it, nothing drawn yet. */
    NoiseGenerator generator(long seed);
}
