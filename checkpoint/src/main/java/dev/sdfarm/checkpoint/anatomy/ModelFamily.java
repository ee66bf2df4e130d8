package dev.sdfarm.checkpoint.anatomy;

import java.util.Optional;

/**
 * What kind of model file a checkpoint is: a full Stable Diffusion model of one generation, or a
 * single-component file (VAE, LoRA, textual-inversion embedding, hypernetwork).
 */
public enum ModelFamily {
    SD1("sd1", "Stable Diffusion 1.x", true),
    SD1_INPAINTING("sd1-inpainting", "Stable Diffusion 1.x inpainting", true),
    SD2("sd2", "Stable Diffusion 2.x", true),
    SD2_INPAINTING("sd2-inpainting", "Stable Diffusion 2.x inpainting", true),
    SDXL_BASE("sdxl-base", "SDXL base", true),
    SDXL_REFINER("sdxl-refiner", "SDXL refiner", true),
    VAE("vae", "VAE", false),
    LORA("lora", "LoRA", false),
    TEXTUAL_INVERSION("textual-inversion", "Textual inversion embedding", false),
    HYPERNETWORK("hypernetwork", "Hypernetwork", false),
    UNKNOWN("unknown", "Unknown", false);

    /** CLIP position ids buffer of the SD1 text encoder. */
    public static final String SD1_POSITION_IDS = "cond_stage_model.transformer.text_model.embeddings.position_ids";
    /** CLIP position ids buffer of SDXL's CLIP-L text encoder. */
    public static final String SDXL_POSITION_IDS =
            "conditioner.embedders.0.transformer.text_model.embeddings.position_ids";

    private final String id;
    private final String displayName;
    private final boolean fullModel;

    ModelFamily(String id, String displayName, boolean fullModel) {
        this.id = id;
        this.displayName = displayName;
        this.fullModel = fullModel;
    }

    /** Stable lower-case identifier for JSON and the command line, e.g. {@code sdxl-base}. */
    public String id() {
        return id;
    }

    public String displayName() {
        return displayName;
    }

    /** True for a complete diffusion model (UNet, text encoder(s), VAE), false for single-component files. */
    public boolean isFullModel() {
        return fullModel;
    }

    /**
     * Key of the CLIP {@code position_ids} buffer this family's checkpoints carry: an int64 [1, 77] tensor
     * that some tools save in fp16 or drop, which breaks or changes text encoding. Empty for families whose
     * text encoder has none (OpenCLIP in SD2 and the SDXL refiner) and for single-component files.
     */
    public Optional<String> positionIdsKey() {
        return switch (this) {
            case SD1, SD1_INPAINTING -> Optional.of(SD1_POSITION_IDS);
            case SDXL_BASE -> Optional.of(SDXL_POSITION_IDS);
            default -> Optional.empty();
        };
    }

    /** The family with this {@link #id()}. */
    public static Optional<ModelFamily> fromId(String id) {
        for (ModelFamily f : values()) {
            if (f.id.equals(id)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
