package dev.sdfarm.checkpoint.anatomy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.DType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelAnatomyTest {

    private static final String EMBEDDING_MANAGER = "embedding_manager.embedder.transformer.text_model.final_layer_norm.weight";
    private static final String MERGED_LORA = "lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight";
    private static final String CONTROLNET = "control_model.input_blocks.0.0.weight";
    private static final String VAE_LOSS = "first_stage_model.loss.discriminator.main.0.weight";

    /** SD1.5 as a training run saves it, with EMA, learned logvar, leftovers and one foreign tensor. */
    private static CheckpointListing sd15TrainingCheckpoint() {
        return Listings.with()
                .layout(ArchitecturePreset.SD15.layoutWithEma())
                .f32("logvar", 1000)
                .f32(EMBEDDING_MANAGER, 768)
                .f16(MERGED_LORA, 4, 768)
                .f16(CONTROLNET, 320, 4, 3, 3)
                .f32(VAE_LOSS, 64, 3, 4, 4)
                .f32("model.diffusion_model.extra_head.weight", 16)
                .nonTensor("state_dict", "global_step", "epoch")
                .build();
    }

    @Test
    void classifiesEveryKeyOfAnSd15CheckpointByComponent() {
        Map<Component, List<TensorInfo>> parts = ModelAnatomy.of(sd15TrainingCheckpoint()).tensorsByComponent();
        assertEquals(687, parts.get(Component.UNET).size(), "686 UNet tensors plus the foreign one");
        assertEquals(197, parts.get(Component.TEXT_ENCODER).size());
        assertEquals(248, parts.get(Component.VAE).size());
        assertEquals(688, parts.get(Component.EMA).size());
        assertEquals(13, parts.get(Component.SCHEDULE).size(), "12 LDM buffers and logvar");
        assertEquals(4, parts.get(Component.OTHER).size(), "the four leftovers");
    }

    @Test
    void classifiesSdxlConditionerAsTextEncoderAndSigmasAsSchedule() {
        ModelAnatomy a = ModelAnatomy.of(Listings.of(ArchitecturePreset.SDXL_BASE));
        assertEquals(Component.TEXT_ENCODER, a.component("conditioner.embedders.1.model.ln_final.weight"));
        assertEquals(Component.TEXT_ENCODER, a.component(ModelFamily.SDXL_POSITION_IDS));
        assertEquals(Component.SCHEDULE, a.component("denoiser.sigmas"));
        assertEquals(Component.UNET, a.component("model.diffusion_model.label_emb.0.0.weight"));
        assertEquals(Component.VAE, a.component("first_stage_model.decoder.conv_out.weight"));
    }

    @Test
    void classifiesSingleComponentFiles() {
        assertEquals(Component.VAE, Component.classify("decoder.up.0.block.0.conv1.weight", ModelFamily.VAE));
        assertEquals(Component.VAE, Component.classify("first_stage_model.quant_conv.weight", ModelFamily.VAE));
        assertEquals(Component.OTHER, Component.classify("loss.logvar", ModelFamily.VAE));
        assertEquals(Component.OTHER, Component.classify("model.diffusion_model.out.0.weight", ModelFamily.LORA));
        assertEquals(Component.OTHER, Component.classify("lora_unet_mid_block_attentions_0_proj_in.alpha", ModelFamily.LORA));
        assertEquals(Component.OTHER, Component.classify("string_to_param.*", ModelFamily.TEXTUAL_INVERSION));
        assertEquals(Component.OTHER, Component.classify("768.0.linear.0.weight", ModelFamily.HYPERNETWORK));
        assertEquals("text_encoder", Component.TEXT_ENCODER.id());
    }

    @Test
    void flagsKnownTrainingLeftoversAsJunk() {
        ModelAnatomy a = ModelAnatomy.of(sd15TrainingCheckpoint());
        assertEquals(List.of(EMBEDDING_MANAGER, MERGED_LORA, CONTROLNET, VAE_LOSS),
                a.junkTensors().stream().map(TensorInfo::name).toList());
        assertTrue(a.junkReason(VAE_LOSS).orElseThrow().contains("discriminator"));
        assertTrue(a.junkReason(CONTROLNET).orElseThrow().contains("ControlNet"));
        assertEquals(Component.OTHER, a.component(VAE_LOSS));
    }

    @Test
    void positionIdsAreNotJunk() {
        assertEquals(Optional.empty(), JunkKeys.reason(ModelFamily.SD1_POSITION_IDS, ModelFamily.SD1));
        assertEquals(Optional.empty(), JunkKeys.reason(ModelFamily.SDXL_POSITION_IDS, ModelFamily.SDXL_BASE));
        assertEquals(Component.TEXT_ENCODER, Component.classify(ModelFamily.SD1_POSITION_IDS, ModelFamily.SD1));
    }

    @Test
    void loraKeysAreContentInALoraFileButJunkInAModel() {
        assertTrue(JunkKeys.isJunk(MERGED_LORA, ModelFamily.SD1));
        assertFalse(JunkKeys.isJunk(MERGED_LORA, ModelFamily.LORA));
        assertTrue(JunkKeys.isJunk("loss.discriminator.main.0.weight", ModelFamily.VAE));
    }

    @Test
    void knowsEveryTensorOfTheArchitectureIncludingEmaAndSchedule() {
        ModelAnatomy a = ModelAnatomy.of(sd15TrainingCheckpoint());
        assertEquals(ArchitecturePreset.SD15, a.architecture().orElseThrow());
        assertTrue(a.isKnown("model_ema.diffusion_modelinput_blocks00weight", new long[] {320, 4, 3, 3}));
        assertTrue(a.isKnown(EmaKeys.NUM_UPDATES, new long[0]));
        assertTrue(a.isKnown("logvar", new long[] {1000}));
        assertTrue(a.isKnown("betas", new long[] {1000}));
        assertTrue(a.isKnown(ModelFamily.SD1_POSITION_IDS, new long[] {1, 77}));
        assertEquals(List.of(EMBEDDING_MANAGER, MERGED_LORA, CONTROLNET, VAE_LOSS,
                        "model.diffusion_model.extra_head.weight"),
                a.unknownTensors().stream().map(TensorInfo::name).toList());
    }

    @Test
    void rejectsKnownKeysWithForeignShapes() {
        ModelAnatomy a = ModelAnatomy.of(Listings.of(ArchitecturePreset.SD15));
        assertTrue(a.isKnown("model.diffusion_model.input_blocks.0.0.weight", new long[] {320, 4, 3, 3}));
        assertFalse(a.isKnown("model.diffusion_model.input_blocks.0.0.weight", new long[] {320, 9, 3, 3}));
        assertFalse(a.isKnown("model_ema.diffusion_modelinput_blocks00weight", new long[] {320, 9, 3, 3}));
        assertFalse(a.isKnown("cond_stage_model.model.ln_final.weight", new long[] {1024}), "SD2's text encoder");
    }

    @Test
    void judgesTheTinyNetworkAgainstItsOwnShapes() {
        ModelAnatomy a = ModelAnatomy.of(Listings.of(ArchitecturePreset.TINY_SD1));
        assertEquals(ModelFamily.SD1, a.family());
        assertEquals(ArchitecturePreset.TINY_SD1, a.architecture().orElseThrow());
        assertEquals(List.of(), a.unknownTensors());
        assertFalse(a.isKnown("model.diffusion_model.input_blocks.0.0.weight", new long[] {320, 4, 3, 3}));
    }

    @Test
    void judgesTheTinyInpaintingNetworkAgainstItsOwnShapes() {
        ModelAnatomy a = ModelAnatomy.of(Listings.of(ArchitecturePreset.TINY_SD1_INPAINTING));
        assertEquals(ModelFamily.SD1_INPAINTING, a.family());
        assertEquals(ArchitecturePreset.TINY_SD1_INPAINTING, a.architecture().orElseThrow());
        assertEquals(List.of(), a.unknownTensors());
        assertTrue(a.isKnown("model.diffusion_model.input_blocks.0.0.weight", new long[] {32, 9, 3, 3}));
        assertFalse(a.isKnown("model.diffusion_model.input_blocks.0.0.weight", new long[] {32, 4, 3, 3}));
    }

    @Test
    void everyPresetCheckpointIsEntirelyKnown() {
        for (ArchitecturePreset p : ArchitecturePreset.all()) {
            ModelAnatomy a = ModelAnatomy.of(CheckpointListing.ofLayout(p.layoutWithEma(), DType.BF16));
            // SD2 512 and 768 share a layout, so either may be reported for both
            assertEquals(p.layout(), a.architecture().orElseThrow().layout(), p.id());
            assertEquals(List.of(), a.unknownTensors(), p.id());
        }
    }

    @Test
    void knowsOldTextEncoderNamesAndListsTheirRenames() {
        String old = "cond_stage_model.transformer.encoder.layers.0.mlp.fc1.weight";
        ModelAnatomy a = ModelAnatomy.of(Listings.with().layout(ArchitecturePreset.SD15.unetLayout())
                .f16(old, 3072, 768).build());
        assertTrue(a.isKnown(old, new long[] {3072, 768}));
        assertEquals(Map.of(old, "cond_stage_model.transformer.text_model.encoder.layers.0.mlp.fc1.weight"),
                a.legacyRenames());
    }

    @Test
    void knowsVaeFilesBareOrPrefixedAndDropsTheirLoss() {
        TensorLayout vae = AutoencoderConfig.stableDiffusion().layout();
        ModelAnatomy bare = ModelAnatomy.of(Listings.with().layout(vae).f32("loss.logvar").build());
        assertTrue(bare.hasReferenceLayout());
        assertEquals(List.of("loss.logvar"), bare.unknownTensors().stream().map(TensorInfo::name).toList());
        ModelAnatomy prefixed = ModelAnatomy.of(Listings.with().layout(vae.withPrefix("first_stage_model.")).build());
        assertEquals(List.of(), prefixed.unknownTensors());
        assertFalse(prefixed.isKnown("first_stage_model.encoder.conv_in.weight", new long[] {32, 3, 3, 3}));
    }

    @Test
    void filesWithoutAnArchitectureKeepEveryKey() {
        ModelAnatomy lora = ModelAnatomy.of(Listings.with()
                .f16("lora_unet_mid_block_attentions_0_proj_in.lora_down.weight", 4, 1280).build());
        assertEquals(ModelFamily.LORA, lora.family());
        assertFalse(lora.hasReferenceLayout());
        assertTrue(lora.isKnown("anything.at.all", new long[] {1}));
        assertEquals(Optional.empty(), lora.architecture());
    }

    @Test
    void givesThePositionIdsKeyPerFamily() {
        assertEquals(Optional.of("cond_stage_model.transformer.text_model.embeddings.position_ids"),
                ModelAnatomy.of(Listings.of(ArchitecturePreset.SD15)).positionIdsKey());
        assertEquals(Optional.of("conditioner.embedders.0.transformer.text_model.embeddings.position_ids"),
                ModelAnatomy.of(Listings.of(ArchitecturePreset.SDXL_BASE)).positionIdsKey());
        assertEquals(Optional.empty(), ModelAnatomy.of(Listings.of(ArchitecturePreset.SD2_768)).positionIdsKey());
        assertEquals(Optional.empty(), ModelFamily.SDXL_REFINER.positionIdsKey());
        assertEquals(Optional.of(ModelFamily.SD1_POSITION_IDS), ModelFamily.SD1_INPAINTING.positionIdsKey());
        for (ArchitecturePreset p : ArchitecturePreset.all()) {
            p.family().positionIdsKey().ifPresent(k -> assertEquals(DType.I64,
                    p.layout().get(k).orElseThrow().fixedDtype().orElseThrow(), p.id()));
        }
    }
}
