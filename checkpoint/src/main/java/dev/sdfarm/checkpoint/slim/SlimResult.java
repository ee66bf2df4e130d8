package dev.sdfarm.checkpoint.slim;

import java.nio.file.Path;
import java.util.List;

/**
 * What a conversion did.
 *
 * @param overflows finite values that did not fit the target precision (became ±Inf, or NaN for e4m3fn)
 */
public record SlimResult(
        Path input,
        Path output,
        String inputSha256,
        String outputSha256,
        long inputBytes,
        long outputBytes,
        int inputTensors,
        int outputTensors,
        long overflows,
        List<String> actions,
        List<String> warnings,
        double seconds) {
}
