package dev.sdfarm.gateway.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The body of {@code POST /v1/jobs}: webui's txt2img fields under webui's names, every one optional with
 * webui's API defaults, plus the farm's own: which model, which queue, and a webhook.
 */
public record JobRequest(
        @JsonProperty("prompt") String prompt,
        @JsonProperty("negative_prompt") String negativePrompt,
        @JsonProperty("seed") Long seed,
        @JsonProperty("sampler_name") String samplerName,
        @JsonProperty("scheduler") String scheduler,
        @JsonProperty("steps") Integer steps,
        @JsonProperty("cfg_scale") Double cfgScale,
        @JsonProperty("width") Integer width,
        @JsonProperty("height") Integer height,
        @JsonProperty("batch_size") Integer batchSize,
        @JsonProperty("n_iter") Integer nIter,
        @JsonProperty("clip_skip") Integer clipSkip,
        @JsonProperty("eta") Double eta,
        @JsonProperty("rng") String rng,
        @JsonProperty("model") String model,
        @JsonProperty("priority") String priority,
        @JsonProperty("webhook_url") String webhookUrl) {
}
