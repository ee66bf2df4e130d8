package dev.sdfarm.checkpoint.slim;

import static dev.sdfarm.checkpoint.TestCheckpoints.tensorHashes;
import static dev.sdfarm.checkpoint.TestCheckpoints.tensorTypes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.TestBytes;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.anatomy.ScheduleBuffers;
import dev.sdfarm.checkpoint.anatomy.TensorSpec;
import dev.sdfarm.checkpoint.inspect.CheckpointInspector;
import dev.sdfarm.checkpoint.io.AtomicOutputFile;
import dev.sdfarm.checkpoint.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every model family converts: SD1.x inpainting, SD2.x (no CLIP position ids), SD2 inpainting, SDXL base
 * (position ids under conditioner.embedders.0) and refiner. The files are skeletons of the real layouts: every
 * key, real shapes for tensors up to 256K elements (which covers everything detection reads), a few elements
 * for the big ones, so the test stays small.
 */
class FamilyConversionTest {
    private static final long SMALL = 1 << 18;

    @TempDir
    Path dir;

    private Path skeleton(ArchitecturePreset p) throws IOException {
        List<OutputTensor> tensors = new ArrayList<>();
        int seed = 0;
        for (TensorSpec s : p.layout().specs()) {
            DType d = s.fixedDtype().orElse(DType.F32);
            long[] shape = s.numel() <= SMALL ? s.shape() : new long[] {3};
            int n = (int) dev.sdfarm.checkpoint.StoredTensor.numel(shape);
            byte[] bytes = d == DType.F32 ? TestBytes.lcg(n * 4, seed++) : new byte[n * d.size()];
            tensors.add(InMemoryTensorData.tensor(s.key(), d, shape, bytes));
        }
        Path f = dir.resolve(p.id() + ".safetensors");
        try (AtomicOutputFile out = AtomicOutputFile.create(f, true)) {
            SafetensorsWriter.write(tensors, Map.of(), out.sink());
            out.commit();
        }
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sd15-inpainting", "sd2-512", "sd2-inpainting", "sdxl-base", "sdxl-refiner"})
    void convertsEveryFamilyWithGenericComponentOps(String id) throws IOException {
        ArchitecturePreset preset = ArchitecturePreset.byId(id).orElseThrow();
        Path in = skeleton(preset);
        try (Checkpoint cp = Checkpoint.open(in)) {
            assertEquals(preset.family(), CheckpointInspector.anatomyOf(cp).family());
        }
        SlimOptions o = SlimOptions.defaults(CheckpointFormat.SAFETENSORS).withPrecision(DType.F16)
                .withEma(EmaMode.DROP)
                .withComponents(ComponentOp.CONVERT, ComponentOp.CONVERT, ComponentOp.COPY, ComponentOp.CONVERT)
                .withSwitches(true, true, false);
        Path out = Slimmer.slim(in, dir.resolve(id + "-fp16.safetensors"), o, false, null, Progress.NONE).output();
        Map<String, String> before = tensorTypes(in);
        Map<String, String> after = tensorTypes(out);
        assertEquals(before.keySet(), after.keySet(), "nothing added, nothing lost (no SD1 key in SD2/SDXL files)");
        for (var e : after.entrySet()) {
            String key = e.getKey();
            String want = before.get(key).startsWith("fp32") && !key.startsWith("first_stage_model.")
                    && !ScheduleBuffers.isScheduleKey(key) ? "fp16" : before.get(key).split(" ")[0];
            assertTrue(e.getValue().startsWith(want), key + ": " + e.getValue());
        }
        boolean hasClipL = id.startsWith("sd15") || id.equals("sdxl-base");
        if (hasClipL) {
            String key = preset.family().positionIdsKey().orElseThrow();
            assertTrue(after.get(key).startsWith("i64"), key + ": " + after.get(key));
        } else {
            assertTrue(after.keySet().stream().noneMatch(k -> k.endsWith("position_ids")), "OpenCLIP has none");
        }

        // And back through a torch archive, bit for bit.
        Path ckpt = Slimmer.slim(out, dir.resolve(id + ".ckpt"), SlimOptions.defaults(CheckpointFormat.TORCH_ZIP),
                false, null, Progress.NONE).output();
        Path back = Slimmer.slim(ckpt, dir.resolve(id + "-back.safetensors"),
                SlimOptions.defaults(CheckpointFormat.SAFETENSORS), false, null, Progress.NONE).output();
        assertEquals(tensorHashes(out), tensorHashes(back));
        assertFalse(after.isEmpty());
    }
}
