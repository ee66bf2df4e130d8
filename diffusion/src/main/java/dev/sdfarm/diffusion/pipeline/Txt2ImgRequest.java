package dev.sdfarm.diffusion.pipeline;

import dev.sdfarm.diffusion.rng.NoiseSource;
import dev.sdfarm.diffusion.sample.Sampler;
import dev.sdfarm.diffusion.sample.SamplerParams;
import dev.sdfarm.diffusion.sample.Scheduler;

/**
 * What to render, in AUTOMATIC1111's terms. {@code seed} is already fixed (A1111 turns -1 into a random seed
 * before anything else); image i of the batch uses {@code seed + i}.
 */
public record Txt2ImgRequest(String prompt, String negativePrompt, long seed, int steps, Sampler sampler,
                             Scheduler scheduler, double cfgScale, int width, int height, int batchSize,
                             int clipSkip, NoiseSource noiseSource, SamplerParams samplerParams) {
    public Txt2ImgRequest {
        if (width % 8 != 0 || height % 8 != 0 || width < 8 || height < 8) {
            throw new IllegalArgumentException("width and height must be positive multiples of 8, got " + width + "x"
                    + height);
        }
        if (steps < 1 || batchSize < 1 || clipSkip < 1) {
            throw new IllegalArgumentException("steps, batch size and clip skip must be at least 1");
        }
    }

    /** The same request starting from another seed (A1111's next batch of a batch count). */
    public Txt2ImgRequest withSeed(long newSeed) {
        return new Txt2ImgRequest(prompt, negativePrompt, newSeed, steps, sampler, scheduler, cfgScale, width, height,
                batchSize, clipSkip, noiseSource, samplerParams);
    }

    /**
     * Whether the two can share one sampling run ({@link Txt2Img#render(StableDiffusion, java.util.List,
     * Txt2Img.Progress)}): the same steps, sampler, scheduler, size, noise source and sampler parameters.
     */
    public boolean samplesWith(Txt2ImgRequest other) {
        return steps == other.steps && sampler == other.sampler && scheduler == other.scheduler
                && width == other.width && height == other.height && noiseSource == other.noiseSource
                && samplerParams.equals(other.samplerParams);
    }
}
