package dev.sdfarm.checkpoint.anatomy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** EMA twins and old text-encoder names. */
class KeyConventionsTest {

    @Test
    void mapsUnetKeyToEmaTwin() {
        assertEquals("model_ema.diffusion_modelinput_blocks00weight",
                EmaKeys.emaKeyFor("model.diffusion_model.input_blocks.0.0.weight"));
        assertEquals("model_ema.diffusion_modeloutput_blocks111transformer_blocks0attn2to_out0bias",
                EmaKeys.emaKeyFor("model.diffusion_model.output_blocks.11.1.transformer_blocks.0.attn2.to_out.0.bias"));
        assertThrows(IllegalArgumentException.class, () -> EmaKeys.emaKeyFor("first_stage_model.encoder.conv_in.weight"));
    }

    @Test
    void emaTwinsInTheLdmDumpAreTheDotlessUnetKeys() {
        // independent of the generators: LitEma itself named these in the upstream dump
        UpstreamStateDict ldm = UpstreamStateDict.load("sd15");
        Set<String> twins = ldm.entries().keySet().stream().filter(k -> k.startsWith(CheckpointKeys.UNET))
                .map(EmaKeys::emaKeyFor).collect(Collectors.toSet());
        Set<String> ema = ldm.entries().keySet().stream()
                .filter(k -> EmaKeys.isEmaKey(k) && !EmaKeys.isBookkeeping(k)).collect(Collectors.toSet());
        assertEquals(ema, twins);
        assertTrue(ldm.entries().containsKey(EmaKeys.DECAY));
        assertEquals("int32", ldm.entries().get(EmaKeys.NUM_UPDATES).torchDtype());
    }

    @Test
    void recognisesEmaBookkeeping() {
        assertTrue(EmaKeys.isBookkeeping("model_ema.decay"));
        assertTrue(EmaKeys.isBookkeeping("model_ema.num_updates"));
        assertFalse(EmaKeys.isBookkeeping("model_ema.diffusion_modelout0weight"));
        assertTrue(EmaKeys.isEmaKey("model_ema.diffusion_modelout0weight"));
        assertFalse(EmaKeys.isEmaKey("model.diffusion_model.out.0.weight"));
    }

    @Test
    void mapsEmaTwinsBackWithoutCollisionsInAnyPreset() {
        for (ArchitecturePreset p : ArchitecturePreset.all()) {
            Map<String, String> back = EmaKeys.twinsOf(p.unetLayout().keys());
            assertEquals(p.unetLayout().size(), back.size(), p.id());
        }
        assertEquals("model.diffusion_model.out.2.bias",
                EmaKeys.twinsOf(ArchitecturePreset.SD15.unetLayout().keys()).get("model_ema.diffusion_modelout2bias"));
        assertThrows(IllegalArgumentException.class,
                () -> EmaKeys.twinsOf(List.of("model.a.b1.c", "model.a.b.1c")));
    }

    @Test
    void renamesNovelAiTextEncoderKeys() {
        assertEquals("cond_stage_model.transformer.text_model.embeddings.position_ids",
                LegacyTextEncoderKeys.modernName("cond_stage_model.transformer.embeddings.position_ids"));
        assertEquals("cond_stage_model.transformer.text_model.encoder.layers.11.self_attn.q_proj.weight",
                LegacyTextEncoderKeys.modernName("cond_stage_model.transformer.encoder.layers.11.self_attn.q_proj.weight"));
        assertEquals("cond_stage_model.transformer.text_model.final_layer_norm.bias",
                LegacyTextEncoderKeys.modernName("cond_stage_model.transformer.final_layer_norm.bias"));
    }

    @Test
    void leavesCurrentAndUnrelatedKeysAlone() {
        for (String key : List.of("cond_stage_model.transformer.text_model.encoder.layers.0.mlp.fc1.weight",
                "cond_stage_model.model.transformer.resblocks.0.ln_1.weight",
                "first_stage_model.encoder.conv_in.weight",
                "conditioner.embedders.0.transformer.text_model.final_layer_norm.weight")) {
            assertFalse(LegacyTextEncoderKeys.isLegacy(key), key);
            assertEquals(key, LegacyTextEncoderKeys.modernName(key));
        }
        assertEquals(Map.of(), LegacyTextEncoderKeys.renames(ArchitecturePreset.SD15.layout().keys()));
    }

    @Test
    void legacyNamesCoverTheWholeSd1TextEncoder() {
        TensorLayout current = ArchitecturePreset.SD15.textEncoderLayout();
        for (String key : current.keys()) {
            String old = key.replace("transformer.text_model.", "transformer.");
            assertTrue(LegacyTextEncoderKeys.isLegacy(old), old);
            assertEquals(key, LegacyTextEncoderKeys.modernName(old));
        }
    }
}
