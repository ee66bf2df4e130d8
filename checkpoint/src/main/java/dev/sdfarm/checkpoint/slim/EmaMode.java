package dev.sdfarm.checkpoint.slim;

/** What to do with EMA weights ({@code model_ema.*}). */
public enum EmaMode {
    /** Leave them as they are. */
    KEEP,
    /** Remove {@code model_ema.*}. */
    DROP,
    /** Replace every UNet weight by its EMA twin, then remove {@code model_ema.*}. */
    ONLY;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
