package dev.sdfarm.diffusion.text;

import java.util.List;

/**
 * A prompt as the text encoder consumes it.
 *
 * @param chunks        one or more 77-token chunks, in order
 * @param tokenCount    webui's {@code token_count}: 75 for every chunk but the last, plus the prompt tokens in
 *                      the last one (what webui's "N/75" counter shows)
 * @param extraNetworks the extra-network tags taken out of the prompt, in prompt order (none for a negative
 *                      prompt)
 */
public record ChunkedPrompt(List<PromptChunk> chunks, int tokenCount, List<ExtraNetworkTag> extraNetworks) {
    public ChunkedPrompt {
        chunks = List.copyOf(chunks);
        extraNetworks = List.copyOf(extraNetworks);
        if (chunks.isEmpty()) {
            throw new IllegalArgumentException("a chunked prompt has at least one chunk");
        }
    }
}
