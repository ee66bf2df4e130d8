package dev.sdfarm.checkpoint.anatomy;

import java.util.List;
import java.util.Locale;

/** The part of a model a tensor belongs to. */
public enum Component {
    UNET,
    TEXT_ENCODER,
    VAE,
    /** The EMA copy of the UNet and its bookkeeping. */
    EMA,
    /** Noise-schedule buffers. */
    SCHEDULE,
    /** Anything else: junk, training state, and every tensor of LoRA, embedding and hypernetwork files. */
    OTHER;

    private static final List<String> VAE_MODULES = List.of("encoder.", "decoder.", "quant_conv.", "post_quant_conv.");

    /** Lower-case identifier for JSON, e.g. {@code text_encoder}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The component of {@code key} in a file of {@code family}. Full models go by the LDM prefixes; junk
     * (see {@link JunkKeys}) is {@link #OTHER} even under a component's prefix, because it is not part of it.
     * In a VAE file the autoencoder's modules are {@link #VAE}, with or without the {@code first_stage_model.}
     * prefix; every tensor of other single-component files is {@link #OTHER}.
     */
    public static Component classify(String key, ModelFamily family) {
        if (JunkKeys.isJunk(key, family)) {
            return OTHER;
        }
        if (family == ModelFamily.VAE) {
            return isAutoencoderKey(key) ? VAE : OTHER;
        }
        if (!family.isFullModel()) {
            return OTHER;
        }
        if (key.startsWith(CheckpointKeys.UNET)) {
            return UNET;
        }
        if (key.startsWith(CheckpointKeys.COND_STAGE) || key.startsWith(CheckpointKeys.CONDITIONER)) {
            return TEXT_ENCODER;
        }
        if (key.startsWith(CheckpointKeys.VAE)) {
            return VAE;
        }
        if (EmaKeys.isEmaKey(key)) {
            return EMA;
        }
        if (ScheduleBuffers.isScheduleKey(key)) {
            return SCHEDULE;
        }
        return OTHER;
    }

    /** True for a key of {@code AutoencoderKL}'s modules, bare or under {@code first_stage_model.}. */
    static boolean isAutoencoderKey(String key) {
        String bare = key.startsWith(CheckpointKeys.VAE) ? key.substring(CheckpointKeys.VAE.length()) : key;
        for (String m : VAE_MODULES) {
            if (bare.startsWith(m)) {
                return true;
            }
        }
        return false;
    }
}
