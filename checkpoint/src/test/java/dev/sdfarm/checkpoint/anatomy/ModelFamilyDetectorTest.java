package dev.sdfarm.checkpoint.anatomy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sdfarm.checkpoint.DType;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelFamilyDetectorTest {

    private static ModelDescription detect(CheckpointListing listing) {
        return ModelFamilyDetector.detect(listing);
    }

    @Test
    void detectsEveryPresetAsItsFamily() {
        for (ArchitecturePreset p : ArchitecturePreset.all()) {
            ModelDescription d = detect(Listings.of(p));
            assertEquals(p.family(), d.family(), p.id() + ": " + d.evidence());
            assertEquals("", d.detail(), p.id());
            assertFalse(d.evidence().isEmpty());
        }
    }

    @Test
    void detectsSd1FromItsClipTextEncoder() {
        ModelDescription d = detect(Listings.of(ArchitecturePreset.SD15));
        assertEquals("sd1", d.id());
        assertEquals("Stable Diffusion 1.x", d.displayName());
        assertTrue(d.evidence().stream().anyMatch(e -> e.contains("cond_stage_model.transformer.")), d.evidence().toString());
    }

    @Test
    void detectsSd1InpaintingFromNineUnetInputChannels() {
        ModelDescription d = detect(Listings.of(ArchitecturePreset.SD15_INPAINTING));
        assertEquals(ModelFamily.SD1_INPAINTING, d.family());
        assertTrue(d.evidence().stream().anyMatch(e -> e.contains("9 input channels")), d.evidence().toString());
        ModelDescription tiny = detect(Listings.of(ArchitecturePreset.TINY_SD1_INPAINTING));
        assertEquals(ModelFamily.SD1_INPAINTING, tiny.family());
        assertTrue(tiny.evidence().stream().anyMatch(e -> e.contains("9 input channels")), tiny.evidence().toString());
    }

    @Test
    void detectsSd2FromOpenClipTextEncoder() {
        ModelDescription d = detect(Listings.of(ArchitecturePreset.SD2_768));
        assertEquals(ModelFamily.SD2, d.family());
        assertTrue(d.evidence().stream().anyMatch(e -> e.contains("OpenCLIP")), d.evidence().toString());
        assertEquals(ModelFamily.SD2_INPAINTING, detect(Listings.of(ArchitecturePreset.SD2_INPAINTING)).family());
    }

    @Test
    void detectsSdxlFromConditionerKeys() {
        ModelDescription d = detect(Listings.of(ArchitecturePreset.SDXL_BASE));
        assertEquals(ModelFamily.SDXL_BASE, d.family());
        assertTrue(d.evidence().stream().anyMatch(e -> e.startsWith("conditioner.embedders.0.transformer.")),
                d.evidence().toString());
    }

    @Test
    void detectsSdxlRefinerFromItsSingleOpenClipEmbedder() {
        ModelDescription d = detect(Listings.of(ArchitecturePreset.SDXL_REFINER));
        assertEquals(ModelFamily.SDXL_REFINER, d.family());
        assertTrue(d.evidence().stream().anyMatch(e -> e.contains("refiner")), d.evidence().toString());
    }

    @Test
    void tellsUnetOnlyFilesApartByConditioningWidths() {
        assertEquals(ModelFamily.SD2, detect(Listings.with().layout(ArchitecturePreset.SD2_512.unetLayout()).build()).family());
        assertEquals(ModelFamily.SD1, detect(Listings.with().layout(ArchitecturePreset.SD15.unetLayout()).build()).family());
        ModelDescription refiner = detect(Listings.with().layout(ArchitecturePreset.SDXL_REFINER.unetLayout()).build());
        assertEquals(ModelFamily.SDXL_REFINER, refiner.family());
        assertEquals("no text encoder, no VAE", refiner.detail());
        assertEquals(ModelFamily.SDXL_BASE,
                detect(Listings.with().layout(ArchitecturePreset.SDXL_BASE.unetLayout()).build()).family());
    }

    @Test
    void notesEmaWeightsAndOldTextEncoderNames() {
        CheckpointListing withEma = CheckpointListing.ofLayout(ArchitecturePreset.SD15.layoutWithEma(), DType.F32);
        assertEquals("with EMA weights", detect(withEma).detail());

        Listings legacy = Listings.with().layout(ArchitecturePreset.SD15.unetLayout())
                .f32("cond_stage_model.transformer.embeddings.token_embedding.weight", 49408, 768)
                .f32("cond_stage_model.transformer.encoder.layers.0.mlp.fc1.weight", 3072, 768)
                .f32("cond_stage_model.transformer.final_layer_norm.weight", 768);
        ModelDescription d = detect(legacy.build());
        assertEquals(ModelFamily.SD1, d.family());
        assertEquals("no VAE, old text-encoder key names", d.detail());
    }

    @Test
    void reportsUnusualUnetInputChannels() {
        // instruct-pix2pix: latent + encoded input image
        ModelDescription pix2pix = detect(withInputChannels(ArchitecturePreset.SD15, 320, 8));
        assertEquals(ModelFamily.SD1, pix2pix.family());
        assertEquals("UNet has 8 input channels", pix2pix.detail());
        // SDXL inpainting has no family of its own
        ModelDescription sdxlInpainting = detect(withInputChannels(ArchitecturePreset.SDXL_BASE, 320, 9));
        assertEquals(ModelFamily.SDXL_BASE, sdxlInpainting.family());
        assertEquals("UNet has 9 input channels", sdxlInpainting.detail());
    }

    private static CheckpointListing withInputChannels(ArchitecturePreset preset, long out, long in) {
        TensorLayout.Builder b = TensorLayout.builder();
        String input = "model.diffusion_model.input_blocks.0.0.weight";
        preset.layout().specs().forEach(s -> b.add(s.key().equals(input) ? TensorSpec.of(input, out, in, 3, 3) : s));
        return CheckpointListing.ofLayout(b.build(), DType.F16);
    }

    @Test
    void detectsVaeOnlyFilesWithOrWithoutPrefix() {
        TensorLayout vae = AutoencoderConfig.stableDiffusion().layout();
        ModelDescription bare = detect(Listings.with().layout(vae)
                .f32("loss.discriminator.main.0.weight", 64, 3, 4, 4).f32("loss.logvar").build());
        assertEquals(ModelFamily.VAE, bare.family());
        assertEquals("", bare.detail());
        ModelDescription prefixed = detect(Listings.with().layout(vae.withPrefix("first_stage_model.")).build());
        assertEquals(ModelFamily.VAE, prefixed.family());
        assertEquals("with first_stage_model. prefix", prefixed.detail());
    }

    @Test
    void detectsKohyaLoraForSd1() {
        ModelDescription d = detect(Listings.with()
                .f16("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight", 4, 768)
                .f16("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", 768, 4)
                .f16("lora_te_text_model_encoder_layers_0_self_attn_q_proj.alpha")
                .f16("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight", 4, 320)
                .f16("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_up.weight", 320, 4)
                .f16("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.alpha")
                .build());
        assertEquals(ModelFamily.LORA, d.family());
        assertEquals("LoRA (kohya, for SD1.x)", d.displayName());
    }

    @Test
    void detectsKohyaLoraForSdxlFromTwoTextEncoders() {
        ModelDescription d = detect(Listings.with()
                .f16("lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", 8, 768)
                .f16("lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", 8, 1280)
                .f16("lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_k.lora_down.weight", 8, 640)
                .f16("lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_k.lora_up.weight", 640, 8)
                .f16("lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_k.alpha")
                .build());
        assertEquals("LoRA (kohya, for SDXL)", d.displayName());
    }

    @Test
    void detectsLycorisVariants() {
        ModelDescription loha = detect(Listings.with()
                .f16("lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_a", 320, 8)
                .f16("lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_b", 8, 320)
                .f16("lora_unet_down_blocks_0_attentions_0_proj_in.hada_w2_a", 320, 8)
                .f16("lora_unet_down_blocks_0_attentions_0_proj_in.hada_w2_b", 8, 320)
                .f16("lora_unet_down_blocks_0_attentions_0_proj_in.alpha")
                .build());
        assertEquals(ModelFamily.LORA, loha.family());
        assertEquals("LyCORIS LoHa", loha.detail());
        ModelDescription lokr = detect(Listings.with()
                .f16("lora_unet_mid_block_attentions_0_transformer_blocks_0_attn1_to_q.lokr_w1", 4, 4)
                .f16("lora_unet_mid_block_attentions_0_transformer_blocks_0_attn1_to_q.lokr_w2", 320, 320)
                .build());
        assertEquals("LyCORIS LoKr", lokr.detail());
    }

    @Test
    void detectsPeftAndDiffusersLoras() {
        ModelDescription peft = detect(Listings.with()
                .f16("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight", 4, 320)
                .f16("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_B.weight", 320, 4)
                .build());
        assertEquals("LoRA (PEFT/diffusers)", peft.displayName());
        ModelDescription processors = detect(Listings.with()
                .f32("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora.down.weight", 4, 320)
                .f32("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora.up.weight", 320, 4)
                .f32("down_blocks.1.attentions.0.transformer_blocks.0.attn2.processor.to_k_lora.down.weight", 4, 768)
                .build());
        assertEquals(ModelFamily.LORA, processors.family());
        assertEquals("diffusers attention processors", processors.detail());
    }

    @Test
    void detectsA1111TextualInversionPt() {
        ModelDescription d = detect(Listings.with()
                .f32("string_to_param.*", 2, 768)
                .i64("string_to_token.*")
                .nonTensor("string_to_token", "string_to_param", "name", "step", "sd_checkpoint", "sd_checkpoint_name")
                .build());
        assertEquals(ModelFamily.TEXTUAL_INVERSION, d.family());
        assertEquals("A1111 .pt, 2 vectors, for SD1.x", d.detail());
    }

    @Test
    void detectsTextualInversionSafetensorsAndSdxlPairs() {
        assertEquals("A1111 safetensors, 4 vectors, for SD2.x",
                detect(Listings.with().f32("emb_params", 4, 1024).build()).detail());
        ModelDescription sdxl = detect(Listings.with().f16("clip_l", 2, 768).f16("clip_g", 2, 1280).build());
        assertEquals(ModelFamily.TEXTUAL_INVERSION, sdxl.family());
        assertEquals("clip_l + clip_g, 2 vectors, for SDXL", sdxl.detail());
        ModelDescription diffusers = detect(Listings.with().f32("<cat-toy>", 768).build());
        assertEquals(ModelFamily.TEXTUAL_INVERSION, diffusers.family());
        assertEquals("diffusers learned_embeds, for SD1.x", diffusers.detail());
    }

    @Test
    void detectsHypernetworkFromWidthKeyedLayerLists() {
        Listings h = Listings.with();
        for (int width : new int[] {320, 640, 768, 1280}) {
            for (int kv = 0; kv < 2; kv++) {
                String p = width + "." + kv + ".linear.";
                h.f32(p + "0.weight", 2L * width, width).f32(p + "0.bias", 2L * width)
                        .f32(p + "2.weight", width, 2L * width).f32(p + "2.bias", width);
            }
        }
        h.nonTensor("layer_structure", "activation_func", "is_layer_norm", "weight_initialization", "use_dropout",
                "step", "name", "sd_checkpoint", "sd_checkpoint_name");
        ModelDescription d = detect(h.build());
        assertEquals(ModelFamily.HYPERNETWORK, d.family());
        assertEquals("widths 320, 640, 768, 1280", d.detail());
        assertEquals(2, d.evidence().size());
    }

    @Test
    void reportsUnknownForUnrelatedKeys() {
        ModelDescription d = detect(Listings.with()
                .f32("transformer_blocks.0.attn.to_q.weight", 64, 64).f32("pos_embed", 1, 64).build());
        assertEquals(ModelFamily.UNKNOWN, d.family());
        assertEquals("unknown", d.id());
        assertTrue(d.evidence().getFirst().contains("transformer_blocks.*"), d.evidence().toString());
    }

    @Test
    void familyIdsAreStable() {
        Map<ModelFamily, String> ids = Map.ofEntries(
                Map.entry(ModelFamily.SD1, "sd1"), Map.entry(ModelFamily.SD1_INPAINTING, "sd1-inpainting"),
                Map.entry(ModelFamily.SD2, "sd2"), Map.entry(ModelFamily.SD2_INPAINTING, "sd2-inpainting"),
                Map.entry(ModelFamily.SDXL_BASE, "sdxl-base"), Map.entry(ModelFamily.SDXL_REFINER, "sdxl-refiner"),
                Map.entry(ModelFamily.VAE, "vae"), Map.entry(ModelFamily.LORA, "lora"),
                Map.entry(ModelFamily.TEXTUAL_INVERSION, "textual-inversion"),
                Map.entry(ModelFamily.HYPERNETWORK, "hypernetwork"), Map.entry(ModelFamily.UNKNOWN, "unknown"));
        assertEquals(ModelFamily.values().length, ids.size());
        ids.forEach((family, id) -> {
            assertEquals(id, family.id());
            assertEquals(family, ModelFamily.fromId(id).orElseThrow());
        });
    }
}
