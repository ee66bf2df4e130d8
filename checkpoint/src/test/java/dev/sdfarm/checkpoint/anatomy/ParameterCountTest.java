package dev.sdfarm.checkpoint.anatomy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Parameter counts of the generated layouts against the published numbers and the upstream dumps. */
class ParameterCountTest {

    @Test
    void sd15ComponentsHaveThePublishedParameterCounts() {
        ArchitecturePreset sd15 = ArchitecturePreset.SD15;
        assertEquals(859_520_964L, sd15.unetLayout().parameterCount());
        assertEquals(123_060_480L, sd15.textEncoderLayout().parameterCount(), "CLIP text, without position_ids");
        assertEquals(83_653_863L, sd15.vaeLayout().parameterCount());
    }

    @Test
    void sd2UnetHasThePublishedParameterCount() {
        assertEquals(865_910_724L, ArchitecturePreset.SD2_512.unetLayout().parameterCount());
        assertEquals(865_910_724L, ArchitecturePreset.SD2_768.unetLayout().parameterCount());
    }

    @Test
    void sdxlBaseUnetHasThePublishedParameterCount() {
        assertEquals(2_567_463_684L, ArchitecturePreset.SDXL_BASE.unetLayout().parameterCount());
    }

    @Test
    void positionIdsAreABufferNotAParameter() {
        TensorLayout clip = ClipTextConfig.vitL14().layout();
        assertEquals(clip.parameterCount(), ClipTextConfig.vitL14().withoutPositionIds().layout().parameterCount());
        assertEquals(clip.size() - 1, ClipTextConfig.vitL14().withoutPositionIds().layout().size());
    }

    @Test
    void everyComponentCountEqualsTheUpstreamDump() {
        assertComponentCounts(ArchitecturePreset.SD15, "sd15");
        assertComponentCounts(ArchitecturePreset.SD15_INPAINTING, "sd15-inpainting");
        assertComponentCounts(ArchitecturePreset.SD2_512, "sd2-512");
        assertComponentCounts(ArchitecturePreset.SD2_INPAINTING, "sd2-inpainting");
        assertComponentCounts(ArchitecturePreset.SDXL_BASE, "sdxl-base");
        assertComponentCounts(ArchitecturePreset.SDXL_REFINER, "sdxl-refiner");
        assertComponentCounts(ArchitecturePreset.TINY_SD1, "tiny-sd1");
    }

    private static void assertComponentCounts(ArchitecturePreset preset, String dump) {
        UpstreamStateDict upstream = UpstreamStateDict.load(dump);
        assertEquals(upstream.parameterCount(k -> k.startsWith(CheckpointKeys.UNET)),
                preset.unetLayout().parameterCount(), preset.id() + " UNet");
        assertEquals(upstream.parameterCount(k -> k.startsWith(CheckpointKeys.COND_STAGE)
                        || k.startsWith(CheckpointKeys.CONDITIONER)),
                preset.textEncoderLayout().parameterCount(), preset.id() + " text encoders");
        assertEquals(upstream.parameterCount(k -> k.startsWith(CheckpointKeys.VAE)),
                preset.vaeLayout().parameterCount(), preset.id() + " VAE");
    }
}
