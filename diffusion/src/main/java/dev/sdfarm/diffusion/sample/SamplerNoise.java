package dev.sdfarm.diffusion.sample;

import dev.sdfarm.diffusion.rng.LatentNoise;

import java.util.List;

/**
 * Noise for ancestral and SDE steps: k-diffusion's {@code noise_sampler(sigma, sigma_next)} and {@code
 * torch.randn_like(x)}, which A1111 replaces with its {@code ImageRNG.next()} ({@code TorchHijack}).
 *
 * <p>Each call returns a new standard normal tensor of the batch ({@code [batch * n]}). Samplers call it exactly
 * where k-diffusion draws, including the draws that k-diffusion makes and then multiplies by zero (Euler and Heun
 * draw once per step even without churn, DDIM once per step even with eta 0), so the stream stays in step with
 * A1111. Sources in the style of {@code randn_like} ignore the two sigmas; a Brownian-tree source would use them.
 */
@FunctionalInterface
public interface SamplerNoise {
    float[] next(float sigma, float sigmaNext);

    /** A1111's sampler noise: each call is {@link LatentNoise#next()}, the images concatenated. */
    static SamplerNoise of(LatentNoise noise) {
        return of(List.of(noise));
    }

    /**
     * The noise of several batches sampled as one: each call draws {@link LatentNoise#next()} from every batch in
     * order and concatenates all their images, so each batch's stream is the one it would have alone.
     */
    static SamplerNoise of(List<LatentNoise> batches) {
        List<LatentNoise> list = List.copyOf(batches);
        int size = list.stream().mapToInt(b -> b.imageCount() * b.shape().elementCount()).sum();
        return (sigma, sigmaNext) -> {
            float[] out = new float[size];
            int at = 0;
            for (LatentNoise batch : list) {
                for (float[] image : batch.next()) {
                    System.arraycopy(image, 0, out, at, image.length);
                    at += image.length;
                }
            }
            return out;
        };
    }

    /** The given tensors in order (copies); asking for more than there are is an {@link IllegalStateException}. */
    static SamplerNoise sequence(List<float[]> tensors) {
        List<float[]> list = List.copyOf(tensors);
        int[] next = {0};
        return (sigma, sigmaNext) -> {
            if (next[0] >= list.size()) {
                throw new IllegalStateException("noise sequence exhausted after " + list.size() + " draws");
            }
            return list.get(next[0]++).clone();
        };
    }
}
