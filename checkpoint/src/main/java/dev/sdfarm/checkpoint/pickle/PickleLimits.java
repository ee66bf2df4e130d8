package dev.sdfarm.checkpoint.pickle;

/**
 * Bounds the restricted unpickler enforces so that a hostile or corrupt pickle ends in an error instead of
 * exhausting memory, time or the Java stack. The defaults are far above what real checkpoints need (a Stable
 * Diffusion checkpoint's pickle holds a few thousand objects).
 *
 * @param maxStack      items on the unpickler's stack at once
 * @param maxMarkDepth  open MARKs at once
 * @param maxMemo       memo entries
 * @param maxWork       work units: one per object created, stack push or container insertion, plus the
 *                      size of each dict key or set item (hashing and comparing large keys costs time)
 * @param maxNesting    nesting depth of tuples inside tuples, and of containers in graph traversals
 * @param maxIntDigits  decimal digits of a text integer, and 1/2 of the byte length of a binary one
 * @param maxTensorRank dimensions of a tensor
 */
public record PickleLimits(int maxStack, int maxMarkDepth, int maxMemo, long maxWork, int maxNesting,
                           int maxIntDigits, int maxTensorRank) {

    /** Generous limits for real checkpoints. */
    public static final PickleLimits DEFAULT =
            new PickleLimits(2_000_000, 10_000, 4_000_000, 50_000_000L, 100, 4300, 64);

    public PickleLimits {
        if (maxStack < 1 || maxMarkDepth < 1 || maxMemo < 1 || maxWork < 1 || maxNesting < 1 || maxIntDigits < 1
                || maxTensorRank < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
