package dev.sdfarm.diffusion.text;

import java.util.Arrays;

/**
 * One 77-token input of the CLIP text encoder: {@link ClipTokenizer#BOS}, 75 prompt tokens (padded with
 * {@link ClipTokenizer#EOS}, which is SD1's padding token), {@link ClipTokenizer#EOS}; and the attention
 * multiplier of each position (1.0 for the start, end and padding).
 *
 * <p>Immutable: the arrays are copied in and out.
 */
public record PromptChunk(int[] tokens, float[] multipliers) {
    /** Positions per chunk: 75 prompt tokens between start and end of text. */
    public static final int LENGTH = 77;

    public PromptChunk {
        if (tokens.length != LENGTH || multipliers.length != LENGTH) {
            throw new IllegalArgumentException("a prompt chunk has " + LENGTH + " tokens and multipliers, not "
                    + tokens.length + " and " + multipliers.length);
        }
        tokens = tokens.clone();
        multipliers = multipliers.clone();
    }

    /** The 77 token ids. */
    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    /** The 77 multipliers, one per token. */
    @Override
    public float[] multipliers() {
        return multipliers.clone();
    }

    /** The token at {@code position} (0..76), without copying. */
    public int token(int position) {
        return tokens[position];
    }

    /** The multiplier at {@code position} (0..76), without copying. */
    public float multiplier(int position) {
        return multipliers[position];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PromptChunk other && Arrays.equals(tokens, other.tokens)
                && Arrays.equals(multipliers, other.multipliers);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(multipliers);
    }

    @Override
    public String toString() {
        return "PromptChunk[tokens=" + Arrays.toString(tokens) + ", multipliers=" + Arrays.toString(multipliers) + "]";
    }
}
