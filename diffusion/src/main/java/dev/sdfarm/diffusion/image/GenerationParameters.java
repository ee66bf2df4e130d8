package dev.sdfarm.diffusion.image;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What AUTOMATIC1111's {@code create_infotext} records for a txt2img image. Optional fields are {@code null} (or
 * the value webui leaves out: {@code clipSkip <= 1}, {@code variationStrength == 0}, {@code ensd == 0}).
 *
 * @param prompt            the positive prompt (may span lines)
 * @param negativePrompt    the negative prompt, {@code ""} for none
 * @param steps             sampling steps
 * @param sampler           sampler name as webui shows it ({@code "DPM++ 2M"})
 * @param scheduleType      schedule type label ({@code "Karras"}), or null
 * @param cfgScale          CFG scale
 * @param seed              the image's seed
 * @param width             image width
 * @param height            image height
 * @param modelHash         short model hash ({@code sd_model_hash}), or null
 * @param modelName         model name, or null
 * @param variationSeed     the image's variation seed; written only when {@code variationStrength != 0}
 * @param variationStrength variation seed strength, 0 for none
 * @param denoisingStrength denoising strength (img2img and hires fix), or null
 * @param clipSkip          CLIP skip; written only when greater than 1
 * @param ensd              eta noise seed delta; written only when non-zero (the caller passes 0 for samplers
 *                          that do not use it, as {@code is_sampler_using_eta_noise_seed_delta} decides)
 * @param rng               noise source ({@code "CPU"}, {@code "NV"}), or null for webui's default GPU
 * @param extra             {@code extra_generation_params}, in order; a key already above keeps its place and
 *                          takes this value; a value equal to its key is written as the key alone
 * @param version           webui version ({@code "v1.10.1"}), or null
 */
public record GenerationParameters(
        String prompt,
        String negativePrompt,
        int steps,
        String sampler,
        String scheduleType,
        double cfgScale,
        long seed,
        int width,
        int height,
        String modelHash,
        String modelName,
        Long variationSeed,
        double variationStrength,
        Double denoisingStrength,
        int clipSkip,
        long ensd,
        String rng,
        Map<String, String> extra,
        String version) {

    /** Checks the required fields and copies {@code extra} (order kept). */
    public GenerationParameters {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(negativePrompt, "negativePrompt");
        Objects.requireNonNull(sampler, "sampler");
        if (variationStrength != 0 && variationSeed == null) {
            throw new IllegalArgumentException("variation strength without a variation seed");
        }
        extra = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra == null ? Map.of() : extra));
    }

    /** A builder with webui's txt2img defaults (20 steps, Euler a, CFG 7, 512x512, seed -1, no extras). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this record's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.prompt = prompt;
        b.negativePrompt = negativePrompt;
        b.steps = steps;
        b.sampler = sampler;
        b.scheduleType = scheduleType;
        b.cfgScale = cfgScale;
        b.seed = seed;
        b.width = width;
        b.height = height;
        b.modelHash = modelHash;
        b.modelName = modelName;
        b.variationSeed = variationSeed;
        b.variationStrength = variationStrength;
        b.denoisingStrength = denoisingStrength;
        b.clipSkip = clipSkip;
        b.ensd = ensd;
        b.rng = rng;
        b.extra = new LinkedHashMap<>(extra);
        b.version = version;
        return b;
    }

    /** Builds {@link GenerationParameters}; every setter returns the builder. */
    public static final class Builder {
        private String prompt = "";
        private String negativePrompt = "";
        private int steps = 20;
        private String sampler = "Euler a";
        private String scheduleType;
        private double cfgScale = 7;
        private long seed = -1;
        private int width = 512;
        private int height = 512;
        private String modelHash;
        private String modelName;
        private Long variationSeed;
        private double variationStrength;
        private Double denoisingStrength;
        private int clipSkip = 1;
        private long ensd;
        private String rng;
        private LinkedHashMap<String, String> extra = new LinkedHashMap<>();
        private String version;

        private Builder() {
        }

        /** Positive prompt. */
        public Builder prompt(String v) { prompt = v; return this; }

        /** Negative prompt. */
        public Builder negativePrompt(String v) { negativePrompt = v; return this; }

        /** Steps. */
        public Builder steps(int v) { steps = v; return this; }

        /** Sampler name. */
        public Builder sampler(String v) { sampler = v; return this; }

        /** Schedule type label, or null. */
        public Builder scheduleType(String v) { scheduleType = v; return this; }

        /** CFG scale. */
        public Builder cfgScale(double v) { cfgScale = v; return this; }

        /** Seed. */
        public Builder seed(long v) { seed = v; return this; }

        /** Image size. */
        public Builder size(int w, int h) { width = w; height = h; return this; }

        /** Model hash, or null. */
        public Builder modelHash(String v) { modelHash = v; return this; }

        /** Model name, or null. */
        public Builder modelName(String v) { modelName = v; return this; }

        /** Variation seed and strength (strength 0: not written). */
        public Builder variation(Long seed, double strength) {
            variationSeed = seed;
            variationStrength = strength;
            return this;
        }

        /** Denoising strength, or null. */
        public Builder denoisingStrength(Double v) { denoisingStrength = v; return this; }

        /** CLIP skip. */
        public Builder clipSkip(int v) { clipSkip = v; return this; }

        /** Eta noise seed delta (0: not written). */
        public Builder ensd(long v) { ensd = v; return this; }

        /** Noise source, or null for GPU. */
        public Builder rng(String v) { rng = v; return this; }

        /** Adds one {@code extra_generation_params} entry. */
        public Builder extra(String key, String value) { extra.put(key, value); return this; }

        /** webui version, or null. */
        public Builder version(String v) { version = v; return this; }

        /** The record. */
        public GenerationParameters build() {
            return new GenerationParameters(prompt, negativePrompt, steps, sampler, scheduleType, cfgScale, seed,
                    width, height, modelHash, modelName, variationSeed, variationStrength, denoisingStrength, clipSkip,
                    ensd, rng, extra, version);
        }
    }
}
