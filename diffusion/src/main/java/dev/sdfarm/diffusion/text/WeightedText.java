package dev.sdfarm.diffusion.text;

import java.util.Objects;

/**
 * A stretch of prompt text and the attention weight its tokens get, as AUTOMATIC1111's
 * {@code parse_prompt_attention} returns them. A {@code BREAK} keyword is represented the way webui represents
 * it - text {@code "BREAK"} with weight {@code -1} - because webui's chunker recognises it by exactly that pair;
 * use {@link #isBreak()} rather than comparing yourself.
 *
 * @param text   prompt text with the emphasis syntax removed (may be empty)
 * @param weight product of the multipliers of the brackets around the text
 */
public record WeightedText(String text, double weight) {
    /** The text of a break entry. */
    public static final String BREAK_TEXT = "BREAK";
    /** The weight of a break entry. */
    public static final double BREAK_WEIGHT = -1.0;

    public WeightedText {
        Objects.requireNonNull(text, "text");
    }

    /** A {@code BREAK}: ends the current 75-token chunk. */
    public static WeightedText breakMarker() {
        return new WeightedText(BREAK_TEXT, BREAK_WEIGHT);
    }

    /**
     * Whether this entry is a chunk break, by webui's test ({@code text == 'BREAK' and weight == -1}). A
     * {@code BREAK} inside brackets has its weight multiplied like any text and so is no longer a break - it is
     * then tokenized as the word "BREAK", as in webui.
     */
    public boolean isBreak() {
        return weight == BREAK_WEIGHT && text.equals(BREAK_TEXT);
    }
}
