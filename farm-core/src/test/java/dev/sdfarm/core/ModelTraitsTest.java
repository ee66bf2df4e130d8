package dev.sdfarm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.inspect.CheckpointInspector;
import dev.sdfarm.checkpoint.slim.Progress;
import dev.sdfarm.checkpoint.synth.Synthesizer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTraitsTest {
    @TempDir
    Path dir;

    private ModelTraits traitsOf(DType dtype, boolean ema) throws IOException {
        Path p = dir.resolve(dtype.displayName() + ema + ".safetensors");
        Synthesizer.write(p, new Synthesizer.Options(ArchitecturePreset.TINY_SD1, CheckpointFormat.SAFETENSORS, dtype,
                ema, false, 1), false, Progress.NONE);
        try (Checkpoint cp = Checkpoint.open(p)) {
            return ModelTraits.of(CheckpointInspector.inspect(cp, false, null));
        }
    }

    @Test
    void describesFamilyDominantPrecisionAndEma() throws IOException {
        assertEquals(new ModelTraits("sd1", "fp32", "ema"), traitsOf(DType.F32, true));
        assertEquals(new ModelTraits("sd1", "fp16", "no-ema"), traitsOf(DType.F16, false));
    }
}
