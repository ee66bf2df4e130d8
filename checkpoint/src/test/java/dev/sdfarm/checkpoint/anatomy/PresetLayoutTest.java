package dev.sdfarm.checkpoint.anatomy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * Every preset against the {@code state_dict()} of the upstream model built from its published config
 * (resources/anatomy, made by fixtures/anatomy/dump_layouts.py): same key set, same shapes, same integer
 * buffer dtypes.
 */
class PresetLayoutTest {

    @Test
    void sd15LayoutMatchesLdmStateDict() {
        UpstreamStateDict ldm = UpstreamStateDict.load("sd15");
        ldm.without(EmaKeys::isEmaKey).assertMatches(ArchitecturePreset.SD15.layout());
    }

    @Test
    void sd15LayoutWithEmaMatchesLdmStateDictTrainedWithEma() {
        // the dump was made with use_ema=True, so it holds LitEma's twins and bookkeeping too
        UpstreamStateDict.load("sd15").assertMatches(ArchitecturePreset.SD15.layoutWithEma());
    }

    @Test
    void sd15InpaintingLayoutMatchesRunwayStateDict() {
        UpstreamStateDict.load("sd15-inpainting").assertMatches(ArchitecturePreset.SD15_INPAINTING.layout());
    }

    @Test
    void sd2LayoutsMatchStableDiffusion2StateDicts() {
        UpstreamStateDict.load("sd2-512").assertMatches(ArchitecturePreset.SD2_512.layout());
        UpstreamStateDict.load("sd2-768").assertMatches(ArchitecturePreset.SD2_768.layout());
    }

    @Test
    void sd2InpaintingLayoutMatchesStableDiffusion2StateDict() {
        UpstreamStateDict.load("sd2-inpainting").assertMatches(ArchitecturePreset.SD2_INPAINTING.layout());
    }

    @Test
    void sdxlBaseLayoutMatchesSgmStateDict() {
        UpstreamStateDict.load("sdxl-base").assertMatches(ArchitecturePreset.SDXL_BASE.layout());
    }

    @Test
    void sdxlRefinerLayoutMatchesSgmStateDict() {
        UpstreamStateDict.load("sdxl-refiner").assertMatches(ArchitecturePreset.SDXL_REFINER.layout());
    }

    @Test
    void tinyLayoutMatchesLdmStateDictBuiltFromTinyConfig() {
        // the dump script also ran the tiny text encoder, UNet and VAE forward once, so the config is a valid network
        UpstreamStateDict.load("tiny-sd1").assertMatches(ArchitecturePreset.TINY_SD1.layout());
    }

    @Test
    void tinyInpaintingIsTinyWithNineUnetInputChannels() {
        TensorLayout tiny = ArchitecturePreset.TINY_SD1.layout();
        TensorLayout inpainting = ArchitecturePreset.TINY_SD1_INPAINTING.layout();
        assertEquals(List.copyOf(ArchitecturePreset.SD15_INPAINTING.layout().keys()), List.copyOf(inpainting.keys()));
        for (String key : tiny.keys()) {
            long[] expected = tiny.get(key).orElseThrow().shape().clone();
            if (key.equals("model.diffusion_model.input_blocks.0.0.weight")) {
                expected[1] = 9;
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(expected, inpainting.get(key).orElseThrow().shape(), key);
        }
    }

    @Test
    void tinyKeepsExactlyTheSd15KeyNames() {
        TensorLayout tiny = ArchitecturePreset.TINY_SD1.layout();
        TensorLayout sd15 = ArchitecturePreset.SD15.layout();
        assertEquals(List.copyOf(sd15.keys()), List.copyOf(tiny.keys()));
        assertNotEquals(sd15, tiny);
        assertEquals(17_636_747L, tiny.parameterCount());
    }

    @Test
    void comparisonWithUpstreamReportsShapeAndKeyDifferences() {
        // guards the oracle check itself: the inpainting dump differs from SD1.5 in one shape only
        AssertionFailedError shape = assertThrows(AssertionFailedError.class,
                () -> UpstreamStateDict.load("sd15-inpainting").assertMatches(ArchitecturePreset.SD15.layout()));
        assertTrue(shape.getMessage().contains("shape of model.diffusion_model.input_blocks.0.0.weight"),
                shape.getMessage());
        AssertionFailedError keys = assertThrows(AssertionFailedError.class,
                () -> UpstreamStateDict.load("sd15").assertMatches(ArchitecturePreset.SD15.layout()));
        assertTrue(keys.getMessage().contains("missing from layout: model_ema.decay"), keys.getMessage());
    }

    @Test
    void sd2At512And768ShareOneLayoutButNotThePrediction() {
        assertEquals(ArchitecturePreset.SD2_512.layout(), ArchitecturePreset.SD2_768.layout());
        assertEquals(ArchitecturePreset.Prediction.V, ArchitecturePreset.SD2_768.prediction());
        assertEquals(ArchitecturePreset.Prediction.EPSILON, ArchitecturePreset.SD2_512.prediction());
    }

    @Test
    void presetsAreFoundByIdAndFamily() {
        for (ArchitecturePreset p : ArchitecturePreset.all()) {
            assertEquals(p, ArchitecturePreset.byId(p.id()).orElseThrow());
            assertFalse(ArchitecturePreset.forFamily(p.family()).isEmpty());
        }
        assertEquals(List.of(ArchitecturePreset.SD15, ArchitecturePreset.TINY_SD1),
                ArchitecturePreset.forFamily(ModelFamily.SD1));
        assertEquals(List.of(ArchitecturePreset.SD15_INPAINTING, ArchitecturePreset.TINY_SD1_INPAINTING),
                ArchitecturePreset.forFamily(ModelFamily.SD1_INPAINTING));
    }
}
