package dev.sdfarm.diffusion.clip;

import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.text.ChunkedPrompt;
import dev.sdfarm.diffusion.text.PromptChunk;
import dev.sdfarm.diffusion.text.PromptChunker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prompt text to conditioning exactly as AUTOMATIC1111's {@code FrozenCLIPEmbedderWithCustomWords} does it for
 * SD1.x: the prompt is chunked (attention syntax, {@code BREAK}, 75-token chunks with comma backtracking), every
 * chunk is encoded on its own, and emphasis is A1111's default "Original" mode: each chunk's output is multiplied
 * token by token by its weights, then rescaled so its mean equals the mean before weighting. Chunks of one call
 * are encoded in one batch.
 *
 * <p>The means are accumulated in double: they are small differences of large sums, and fp32 accumulation alone
 * moves results by ~1e-4 (the reference is A1111's code run in float64).
 */
public final class PromptConditioner {
    private final PromptChunker chunker;
    private final ClipTextEncoder encoder;

    public PromptConditioner(PromptChunker chunker, ClipTextEncoder encoder) {
        this.chunker = chunker;
        this.encoder = encoder;
    }

    /** The conditioning of a (positive) prompt; extra-network tags such as {@code <lora:x:1>} are left out and reported. */
    public Conditioning condition(String prompt, int clipSkip) {
        return encode(List.of(chunker.chunk(prompt)), clipSkip).getFirst();
    }

    /**
     * A prompt and a negative prompt, encoded in one batch. With {@code padToSameLength} the shorter is extended
     * with the empty prompt's conditioning until both have the same chunk count, as A1111 does with "Pad
     * prompt/negative prompt" ({@code pad_cond_uncond}), so the UNet can run both in one batch.
     *
     * @return the prompt's conditioning, then the negative prompt's
     */
    public List<Conditioning> conditionPair(String prompt, String negativePrompt, int clipSkip,
                                            boolean padToSameLength) {
        ChunkedPrompt positive = chunker.chunk(prompt);
        ChunkedPrompt negative = chunker.chunkNegative(negativePrompt);
        List<ChunkedPrompt> prompts = new ArrayList<>(List.of(positive, negative));
        int longest = Math.max(positive.chunks().size(), negative.chunks().size());
        boolean pad = padToSameLength && positive.chunks().size() != negative.chunks().size();
        if (pad) {
            prompts.add(chunker.chunkNegative(""));
        }
        List<Conditioning> encoded = encode(prompts, clipSkip);
        if (!pad) {
            return encoded;
        }
        Conditioning empty = encoded.get(2);
        return List.of(padded(encoded.get(0), empty, longest), padded(encoded.get(1), empty, longest));
    }

    private List<Conditioning> encode(List<ChunkedPrompt> prompts, int clipSkip) {
        List<int[]> tokens = new ArrayList<>();
        for (ChunkedPrompt p : prompts) {
            p.chunks().forEach(c -> tokens.add(c.tokens()));
        }
        Backend backend = encoder.backend();
        float[] z = backend.toFloats(encoder.encode(tokens.toArray(int[][]::new), clipSkip));
        int hidden = encoder.config().hiddenSize();
        int chunkValues = ClipTextEncoder.CHUNK_TOKENS * hidden;
        List<Conditioning> out = new ArrayList<>();
        int at = 0;
        for (ChunkedPrompt p : prompts) {
            int n = p.chunks().size();
            float[] values = Arrays.copyOfRange(z, at * chunkValues, (at + n) * chunkValues);
            for (int c = 0; c < n; c++) {
                emphasize(values, c * chunkValues, p.chunks().get(c), hidden);
            }
            out.add(new Conditioning(values, n, hidden, p));
            at += n;
        }
        return out;
    }

    /** A1111's "Original" emphasis on one chunk: weight each token's vector, then restore the chunk's mean. */
    static void emphasize(float[] z, int offset, PromptChunk chunk, int hidden) {
        float[] weights = chunk.multipliers();
        boolean neutral = true;
        for (float w : weights) {
            neutral &= w == 1f;
        }
        if (neutral) {
            return;
        }
        int n = weights.length * hidden;
        double before = 0;
        double after = 0;
        for (int t = 0; t < weights.length; t++) {
            for (int i = offset + t * hidden, end = i + hidden; i < end; i++) {
                before += z[i];
                z[i] *= weights[t];
                after += z[i];
            }
        }
        if (after == 0) {
            return; // every weight zero: A1111 would divide by zero and produce NaN; keep the zeros instead
        }
        float restore = (float) ((before / n) / (after / n));
        for (int i = offset; i < offset + n; i++) {
            z[i] *= restore;
        }
    }

    private static Conditioning padded(Conditioning c, Conditioning empty, int chunks) {
        if (c.chunks() == chunks) {
            return c;
        }
        int chunkValues = empty.values().length;
        float[] values = Arrays.copyOf(c.values(), chunks * chunkValues);
        for (int i = c.chunks(); i < chunks; i++) {
            System.arraycopy(empty.values(), 0, values, i * chunkValues, chunkValues);
        }
        return new Conditioning(values, chunks, c.hidden(), c.prompt());
    }
}
