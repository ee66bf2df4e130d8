package dev.sdfarm.diffusion.clip;

import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.text.ChunkedPrompt;
import java.util.Arrays;

/**
 * The conditioning of one encoded text: the text encoder's output for each 77-token chunk, emphasis applied,
 * chunks concatenated along the token axis: {@code [tokens, hidden]} with {@code tokens} a multiple of 77,
 * row-major fp32 on the host.
 *
 * @param values the conditioning values
 * @param tokens rows: 77 per chunk, more after padding to another conditioning's length
 * @param hidden width of each token's vector (768 for SD1.x)
 * @param weight the composable-prompt weight of this part (1 unless the prompt said {@code text:w})
 * @param prompt the chunked text it was made from
 */
public record Conditioning(float[] values, int tokens, int hidden, double weight, ChunkedPrompt prompt) {
    public Conditioning {
        if (values.length != tokens * hidden) {
            throw new IllegalArgumentException(values.length + " values for " + tokens + " tokens of width " + hidden);
        }
    }

    public Shape shape() {
        return Shape.of(tokens, hidden);
    }

    /** The same conditioning extended to {@code length} tokens by repeating its last token's vector. */
    Conditioning repeatLastTo(int length) {
        float[] out = Arrays.copyOf(values, length * hidden);
        for (int t = tokens; t < length; t++) {
            System.arraycopy(values, (tokens - 1) * hidden, out, t * hidden, hidden);
        }
        return new Conditioning(out, length, hidden, weight, prompt);
    }

    /** The same conditioning followed by copies of {@code filler} until it is {@code length} tokens long. */
    Conditioning padWith(Conditioning filler, int length) {
        float[] out = Arrays.copyOf(values, length * hidden);
        for (int t = tokens; t < length; t += filler.tokens) {
            System.arraycopy(filler.values, 0, out, t * hidden, Math.min(filler.tokens, length - t) * hidden);
        }
        return new Conditioning(out, length, hidden, weight, prompt);
    }
}
