package dev.sdfarm.checkpoint.anatomy;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Names of the EMA (exponential moving average) copy of the UNet that LDM and sgm training keep
 * ({@code LitEma}). LitEma registers one buffer per UNet parameter under the parameter's name with its dots
 * removed, because buffer names may not contain dots; the wrapper's module is {@code model}, so
 * {@code model.diffusion_model.input_blocks.0.0.weight} has the twin
 * {@code model_ema.diffusion_modelinput_blocks00weight}.
 */
public final class EmaKeys {
    /** Prefix of every EMA entry. */
    public static final String PREFIX = "model_ema.";
    /** LitEma's decay rate, a float scalar. */
    public static final String DECAY = "model_ema.decay";
    /** LitEma's update counter, an int32 scalar. */
    public static final String NUM_UPDATES = "model_ema.num_updates";

    private static final String WRAPPED_MODULE = "model.";

    private EmaKeys() {
    }

    /**
     * The EMA twin of a UNet key.
     *
     * @throws IllegalArgumentException when {@code unetKey} is not under {@code model.}
     */
    public static String emaKeyFor(String unetKey) {
        if (!unetKey.startsWith(WRAPPED_MODULE)) {
            throw new IllegalArgumentException("not a key of the EMA-tracked model (model.*): " + unetKey);
        }
        return PREFIX + unetKey.substring(WRAPPED_MODULE.length()).replace(".", "");
    }

    /** True for any {@code model_ema.*} entry, twins and bookkeeping alike. */
    public static boolean isEmaKey(String key) {
        return key.startsWith(PREFIX);
    }

    /** True for LitEma's own scalars, which have no UNet twin. */
    public static boolean isBookkeeping(String key) {
        return key.equals(DECAY) || key.equals(NUM_UPDATES);
    }

    /**
     * Maps EMA keys back to the UNet keys they shadow. The dot removal cannot be undone by itself
     * ({@code input_blocks.1.11} and {@code input_blocks.11.1} would collide), so this needs the UNet's keys.
     *
     * @throws IllegalArgumentException when two UNet keys have the same twin
     */
    public static Map<String, String> twinsOf(Collection<String> unetKeys) {
        Map<String, String> byEma = new HashMap<>();
        for (String key : unetKeys) {
            String previous = byEma.put(emaKeyFor(key), key);
            if (previous != null) {
                throw new IllegalArgumentException("UNet keys " + previous + " and " + key + " share the EMA twin "
                        + emaKeyFor(key));
            }
        }
        return byEma;
    }
}
