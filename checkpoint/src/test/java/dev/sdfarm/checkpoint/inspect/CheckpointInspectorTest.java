package dev.sdfarm.checkpoint.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.CheckpointFormat;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.InMemoryTensorData;
import dev.sdfarm.checkpoint.TestBytes;
import dev.sdfarm.checkpoint.TestCheckpoints;
import dev.sdfarm.checkpoint.anatomy.ArchitecturePreset;
import dev.sdfarm.checkpoint.inspect.Inspection.ComponentSummary;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointInspectorTest {
    private static final String POS_IDS = "cond_stage_model.transformer.text_model.embeddings.position_ids";

    @TempDir
    Path dir;

    private static Inspection inspect(Path p) throws IOException {
        try (Checkpoint cp = Checkpoint.open(p)) {
            return CheckpointInspector.inspect(cp, true, null);
        }
    }

    @Test
    void describesATrainingCheckpointComponentByComponent() throws IOException {
        Path p = TestCheckpoints.tiny(dir, "t.ckpt", CheckpointFormat.TORCH_ZIP, true, true, 3);
        Inspection in = inspect(p);
        assertEquals("sd1", in.model().id());
        assertEquals("tiny-sd1", in.architecture());
        ArchitecturePreset tiny = ArchitecturePreset.TINY_SD1;
        Map<String, ComponentSummary> byId = in.components().stream()
                .collect(Collectors.toMap(ComponentSummary::id, c -> c));
        assertEquals(tiny.unetLayout().parameterCount(), byId.get("unet").parameters());
        assertEquals(tiny.textEncoderLayout().parameterCount(), byId.get("text_encoder").parameters());
        assertEquals(tiny.vaeLayout().parameterCount(), byId.get("vae").parameters());
        assertEquals(686, in.ema().tensors());
        assertEquals(0.9999, in.ema().decay(), 1e-7);
        assertEquals(List.of("epoch", "global_step", "pytorch-lightning_version", "callbacks", "optimizer_states",
                "lr_schedulers"), in.junk().extras().stream().map(Inspection.ExtraEntry::entry).toList());
        assertEquals(2, in.junk().groups().size());
        assertEquals("ok", in.positionIds().state());
        assertEquals(2, in.unknown().tensors());
        assertEquals(TestCheckpoints.sha256(java.nio.file.Files.readAllBytes(p)), in.hashes().sha256());
        assertNull(in.hashes().autoV3(), "AutoV3 is defined for safetensors only");
    }

    @Test
    void reportsBrokenAndFloatPositionIds() throws IOException {
        Path base = TestCheckpoints.tiny(dir, "b.safetensors", CheckpointFormat.SAFETENSORS, false, false, 4);
        for (var c : List.of(Map.entry(75.9999f, "broken"), Map.entry(76f, "float"), Map.entry(3f, "not-arange"))) {
            ByteBuffer ids = ByteBuffer.allocate(77 * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 77; i++) {
                ids.putFloat(i == 76 ? c.getKey() : i);
            }
            Path p = TestCheckpoints.editTensors(base, dir.resolve(c.getValue() + ".safetensors"),
                    t -> t.name().equals(POS_IDS)
                            ? InMemoryTensorData.tensor(POS_IDS, DType.F32, new long[] {1, 77}, ids.array()) : t, Map.of());
            Inspection in = inspect(p);
            assertEquals(c.getValue(), in.positionIds().state());
            assertEquals(c.getValue().equals("broken") ? 1 : 0, in.positionIds().nonIntegral());
            assertTrue(in.warnings().stream().anyMatch(w -> w.contains("--fix-clip")), in.warnings().toString());
        }
    }

    @Test
    void reportsStorageSharingInTorchArchives() throws IOException {
        Inspection in = inspect(TestBytes.resourceFile("torch/shared_storage.pt", dir));
        // tied_a, tied_b, rows, transposed, column, flat share one storage; embed/lm_head another.
        assertEquals(8, in.sharing().sharedTensors());
        assertEquals(3, in.sharing().views(), "rows, transposed and column view part of a storage");
        assertEquals("unknown", in.model().id());
    }

    @Test
    void jsonFollowsSchemaVersionOne() throws IOException {
        Path p = TestCheckpoints.tiny(dir, "j.safetensors", CheckpointFormat.SAFETENSORS, false, false, 5);
        Map<String, Object> m = InspectionJson.toMap(inspect(p));
        assertEquals("sdfarm.inspect/1", m.get("schema"));
        Object parsed = dev.sdfarm.checkpoint.json.StrictJson.parse(InspectionJson.render(inspect(p)).getBytes());
        assertEquals(List.copyOf(m.keySet()), List.copyOf(((Map<?, ?>) parsed).keySet()));
    }
}
