package dev.sdfarm.gateway.job;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code sdfarm.limits.*}: the largest job the farm accepts. */
@ConfigMapping(prefix = "sdfarm.limits")
public interface Limits {
    /** width × height of one image. */
    @WithDefault("1048576")
    long maxPixels();

    @WithDefault("2048")
    int maxSide();

    @WithDefault("150")
    int maxSteps();

    @WithDefault("8")
    int maxBatchSize();

    @WithDefault("32")
    int maxNIter();

    /** Characters in the prompt and in the negative prompt, each. */
    @WithDefault("8000")
    int maxPromptChars();
}
