package dev.sdfarm.checkpoint.anatomy;

/** Key prefixes of the original LDM/A1111 checkpoint layout, where each component of a model lives. */
public final class CheckpointKeys {
    /** The UNet ({@code LatentDiffusion.model.diffusion_model}, likewise in sgm). */
    public static final String UNET = "model.diffusion_model.";
    /** The VAE ({@code first_stage_model}). */
    public static final String VAE = "first_stage_model.";
    /** Any LDM text encoder ({@code cond_stage_model}). */
    public static final String COND_STAGE = "cond_stage_model.";
    /** SD1's Hugging Face CLIPTextModel, which LDM's FrozenCLIPEmbedder keeps as {@code transformer}. */
    public static final String SD1_TEXT_ENCODER = "cond_stage_model.transformer.";
    /** SD2's OpenCLIP model, which LDM's FrozenOpenCLIPEmbedder keeps as {@code model}. */
    public static final String SD2_TEXT_ENCODER = "cond_stage_model.model.";
    /** sgm's conditioner embedders (SDXL), numbered in config order. */
    public static final String CONDITIONER = "conditioner.embedders.";

    private CheckpointKeys() {
    }

    /** Prefix of SDXL embedder {@code index} when it is a Hugging Face CLIPTextModel. */
    public static String sgmClipEmbedder(int index) {
        return CONDITIONER + index + ".transformer.";
    }

    /** Prefix of SDXL embedder {@code index} when it is an OpenCLIP model. */
    public static String sgmOpenClipEmbedder(int index) {
        return CONDITIONER + index + ".model.";
    }
}
