package dev.sdfarm.diffusion.clip;

import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.text.ChunkedPrompt;

/**
 * A prompt's conditioning: the text encoder's output for each 77-token chunk, emphasis applied, chunks
 * concatenated along the token axis: {@code [chunks · 77, hidden]}, row-major fp32 on the host.
 *
 * @param values     the conditioning values
 * @param chunks     how many 77-token chunks it spans (more than the prompt's own after padding)
 * @param hidden     width of each token's vector (768 for SD1.x)
 * @param prompt     the chunked prompt it was made from
 */
public record Conditioning(float[] values, int chunks, int hidden, ChunkedPrompt prompt) {
    public Conditioning {
        if (values.length != chunks * ClipTextEncoder.CHUNK_TOKENS * hidden) {
            throw new IllegalArgumentException(values.length + " values for " + chunks + " chunks of width " + hidden);
        }
    }

    public Shape shape() {
        return Shape.of(chunks * ClipTextEncoder.CHUNK_TOKENS, hidden);
    }
}
