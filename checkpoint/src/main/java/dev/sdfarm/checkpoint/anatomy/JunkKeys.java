package dev.sdfarm.checkpoint.anatomy;

import java.util.List;
import java.util.Optional;

/**
 * Known leftovers inside model state dicts: tensors that training or merging tools saved with a model but
 * that no loader reads. Slimming drops them. CLIP's {@code position_ids} buffer is not junk: it is part of
 * the text encoder.
 */
public final class JunkKeys {
    private static final String VAE_LOSS = "VAE training loss weights (discriminator and LPIPS), unused at inference";

    private record Rule(String prefix, String reason) {
    }

    private static final List<Rule> FULL_MODEL_RULES = List.of(
            new Rule("embedding_manager.", "textual-inversion training state (embedding_manager) left in the model"),
            new Rule("lora_te_", "LoRA weights left in the model by a merge tool"),
            new Rule("lora_te1_", "LoRA weights left in the model by a merge tool"),
            new Rule("lora_te2_", "LoRA weights left in the model by a merge tool"),
            new Rule("lora_unet_", "LoRA weights left in the model by a merge tool"),
            new Rule("control_model.", "ControlNet weights merged into the model"),
            new Rule(CheckpointKeys.VAE + "loss.", VAE_LOSS));

    private static final List<Rule> VAE_RULES = List.of(
            new Rule("loss.", VAE_LOSS),
            new Rule(CheckpointKeys.VAE + "loss.", VAE_LOSS));

    private JunkKeys() {
    }

    /**
     * Why {@code key} is junk in a file of {@code family}, or empty when it is not. Only full models and VAE
     * files have junk: in a LoRA file {@code lora_te_*} keys are the content.
     */
    public static Optional<String> reason(String key, ModelFamily family) {
        List<Rule> rules = family.isFullModel() ? FULL_MODEL_RULES : family == ModelFamily.VAE ? VAE_RULES : List.of();
        for (Rule r : rules) {
            if (key.startsWith(r.prefix())) {
                return Optional.of(r.reason());
            }
        }
        return Optional.empty();
    }

    public static boolean isJunk(String key, ModelFamily family) {
        return reason(key, family).isPresent();
    }
}
