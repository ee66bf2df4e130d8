package dev.sdfarm.checkpoint.anatomy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.Storage;
import dev.sdfarm.checkpoint.StoredTensor;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The configs refuse networks torch could not build. */
class ArchitectureConfigTest {
    private static final List<Integer> MULT = List.of(1, 2, 4, 4);

    @Test
    void rejectsUnetWidthsThatGroupNormCannotSplit() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new UNetConfig(4, 4, 40, MULT,
                2, Set.of(4, 2, 1), 8, 0, UNetConfig.depthPerLevel(1, 4), 64, false, 0));
        assertTrue(e.getMessage().contains("GroupNorm"), e.getMessage());
    }

    @Test
    void rejectsHeadsThatDoNotDivideTheWidth() {
        assertThrows(IllegalArgumentException.class, () -> new UNetConfig(4, 4, 32, MULT, 2, Set.of(4, 2, 1), 0, 24,
                UNetConfig.depthPerLevel(1, 4), 64, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new UNetConfig(4, 4, 32, MULT, 2, Set.of(4, 2, 1), 8, 64,
                UNetConfig.depthPerLevel(1, 4), 64, false, 0), "both head settings");
        assertThrows(IllegalArgumentException.class, () -> new ClipTextConfig(49408, 64, 256, 12, 5, 77, true));
        assertThrows(IllegalArgumentException.class, () -> new OpenClipTextConfig(49408, 64, 5, 2, 77, 64, 256));
        assertThrows(IllegalArgumentException.class, () -> new AutoencoderConfig(3, 3, 48, MULT, 2, 4, 4, true));
    }

    @Test
    void rejectsTransformerDepthWithoutOneEntryPerLevel() {
        assertThrows(IllegalArgumentException.class, () -> new UNetConfig(4, 4, 320, List.of(1, 2, 4), 2, Set.of(4, 2),
                0, 64, List.of(1, 2), 2048, true, 2816));
    }

    @Test
    void sdxlBaseUsesPerLevelDepthsAndSkipsAttentionAtFullResolution() {
        TensorLayout unet = ArchitecturePreset.SDXL_BASE.unet().layout();
        assertTrue(unet.contains("input_blocks.8.1.transformer_blocks.9.attn1.to_q.weight"));
        assertTrue(unet.contains("middle_block.1.transformer_blocks.9.norm3.bias"));
        assertTrue(unet.contains("input_blocks.4.1.transformer_blocks.1.ff.net.2.weight"));
        assertTrue(unet.keys().stream().noneMatch(k -> k.startsWith("input_blocks.1.1.")), "level 0 has no attention");
        assertEquals(List.of(1280L, 2816L), List.of(unet.get("label_emb.0.0.weight").orElseThrow().dim(0),
                unet.get("label_emb.0.0.weight").orElseThrow().dim(1)));
    }

    @Test
    void layoutsRejectDuplicateKeys() {
        assertThrows(IllegalArgumentException.class,
                () -> TensorLayout.of(List.of(TensorSpec.of("a", 1), TensorSpec.of("a", 2))));
    }

    @Test
    void listingIsBuiltFromAReadersTensorsAndNonTensorEntries() {
        StoredTensor vec = StoredTensor.contiguous("string_to_param.*", DType.F32, new long[] {2, 768},
                new Storage("0", DType.F32, 0, 2 * 768 * 4));
        CheckpointListing l = CheckpointListing.ofStored(List.of(vec), List.of("string_to_token", "name"));
        assertEquals(new TensorInfo("string_to_param.*", DType.F32, new long[] {2, 768}),
                l.tensor("string_to_param.*").orElseThrow());
        assertEquals(Set.of("string_to_token", "name"), l.nonTensorEntries());
        assertThrows(IllegalArgumentException.class, () -> CheckpointListing.ofStored(List.of(vec, vec), List.of()));
    }

    @Test
    void listingFromLayoutKeepsIntegerBufferDtypes() {
        CheckpointListing l = CheckpointListing.ofLayout(ArchitecturePreset.SD15.layoutWithEma(), DType.F16);
        assertEquals(DType.I64, l.tensor(ModelFamily.SD1_POSITION_IDS).orElseThrow().dtype());
        assertEquals(DType.I32, l.tensor(EmaKeys.NUM_UPDATES).orElseThrow().dtype());
        assertEquals(DType.F16, l.tensor("model.diffusion_model.out.2.weight").orElseThrow().dtype());
    }
}
