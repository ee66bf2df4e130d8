package dev.sdfarm.core.message;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A text-to-image request in AUTOMATIC1111's terms and field names, as it travels to a worker. The gateway
 * fills defaults and resolves a random seed ({@code -1}) before queueing, so a redelivered request renders the
 * same images. {@code clipSkip} is webui's "CLIP_stop_at_last_layers"; {@code rng} its "randn_source" (GPU, CPU
 * or NV).
 */
public record GenerationParams(
        @JsonProperty("prompt") String prompt,
        @JsonProperty("negative_prompt") String negativePrompt,
        @JsonProperty("seed") long seed,
        @JsonProperty("sampler_name") String samplerName,
        @JsonProperty("scheduler") String scheduler,
        @JsonProperty("steps") int steps,
        @JsonProperty("cfg_scale") double cfgScale,
        @JsonProperty("width") int width,
        @JsonProperty("height") int height,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("n_iter") int nIter,
        @JsonProperty("clip_skip") int clipSkip,
        @JsonProperty("eta") Double eta,
        @JsonProperty("rng") String rng) {

    /** Images the request produces: {@code batch_size × n_iter}. */
    public int imageCount() {
        return batchSize * nIter;
    }

    /** Sampling steps over the whole request, the unit of progress. */
    public int totalSteps() {
        return steps * nIter;
    }

    /** The same parameters with a fixed seed. */
    public GenerationParams withSeed(long newSeed) {
        return new GenerationParams(prompt, negativePrompt, newSeed, samplerName, scheduler, steps, cfgScale, width,
                height, batchSize, nIter, clipSkip, eta, rng);
    }
}
