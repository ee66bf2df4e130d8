package dev.sdfarm.checkpoint.anatomy;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SD1 text-encoder keys as old NovelAI-derived checkpoints name them, saved from a CLIP text model without
 * the {@code text_model} level: {@code cond_stage_model.transformer.embeddings.*}, {@code .encoder.*} and
 * {@code .final_layer_norm.*}. Current loaders expect them under {@code cond_stage_model.transformer.text_model.}.
 */
public final class LegacyTextEncoderKeys {
    private static final String OLD_ROOT = CheckpointKeys.SD1_TEXT_ENCODER;
    private static final String NEW_ROOT = CheckpointKeys.SD1_TEXT_ENCODER + "text_model.";
    private static final List<String> MOVED = List.of("embeddings.", "encoder.", "final_layer_norm.");

    private LegacyTextEncoderKeys() {
    }

    /** True when {@code key} uses the old layout. */
    public static boolean isLegacy(String key) {
        if (!key.startsWith(OLD_ROOT)) {
            return false;
        }
        String rest = key.substring(OLD_ROOT.length());
        for (String m : MOVED) {
            if (rest.startsWith(m)) {
                return true;
            }
        }
        return false;
    }

    /** The current name of {@code key}: legacy keys moved under {@code text_model.}, others unchanged. */
    public static String modernName(String key) {
        return isLegacy(key) ? NEW_ROOT + key.substring(OLD_ROOT.length()) : key;
    }

    /** Old name to new name, for the legacy keys among {@code keys}, in their order. */
    public static Map<String, String> renames(Collection<String> keys) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : keys) {
            if (isLegacy(k)) {
                out.put(k, modernName(k));
            }
        }
        return out;
    }
}
