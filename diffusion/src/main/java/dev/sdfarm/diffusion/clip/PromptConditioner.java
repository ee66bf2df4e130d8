package dev.sdfarm.diffusion.clip;

import dev.sdfarm.diffusion.text.ChunkedPrompt;
import dev.sdfarm.diffusion.text.ComposablePrompt;
import dev.sdfarm.diffusion.text.ExtraNetworkParser;
import dev.sdfarm.diffusion.text.ExtraNetworkPrompt;
import dev.sdfarm.diffusion.text.PromptChunk;
import dev.sdfarm.diffusion.text.PromptChunker;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prompt text to conditioning exactly as AUTOMATIC1111 does it for SD1.x. The positive prompt loses its
 * extra-network tags, is split into composable parts ({@code AND}, trailing {@code :weight}), and each part goes
 * through {@code FrozenCLIPEmbedderWithCustomWords}: chunked (attention syntax, {@code BREAK}, 75-token chunks
 * with comma backtracking), every chunk encoded on its own, and emphasis in A1111's default "Original" mode
 * (each chunk's output multiplied token by token by its weights, then rescaled so its mean equals the mean
 * before weighting). Parts of different lengths are stacked as A1111's {@code stack_conds} does (repeating the
 * last token's vector); with padding, the shorter of cond and uncond is extended with the empty prompt's
 * conditioning as A1111's "Pad prompt/negative prompt" option ({@code pad_cond_uncond}) does. Everything of one
 * call is encoded in one batch.
 *
 * <p>The emphasis means are accumulated in double: they are small differences of large sums, and fp32
 * accumulation alone moves results by ~1e-4 (the reference is A1111's code run in float64).
 */
public final class PromptConditioner {
    private final PromptChunker chunker;
    private final ClipTextEncoder encoder;

    public PromptConditioner(PromptChunker chunker, ClipTextEncoder encoder) {
        this.chunker = chunker;
        this.encoder = encoder;
    }

    /** The conditioning of a positive prompt. */
    public PromptConditioning condition(String prompt, int clipSkip) {
        return condition(prompt, null, clipSkip, false);
    }

    /**
     * A prompt and a negative prompt (null for none), encoded in one batch.
     *
     * @param padToSameLength extend the shorter of cond and uncond with the empty prompt's conditioning so the
     *                        UNet can take both in one batch
     */
    public PromptConditioning condition(String prompt, String negativePrompt, int clipSkip, boolean padToSameLength) {
        ExtraNetworkPrompt tagged = ExtraNetworkParser.parse(prompt);
        List<ComposablePrompt.Part> parts = ComposablePrompt.parse(tagged.text()).parts();
        List<ChunkedPrompt> texts = new ArrayList<>();
        for (ComposablePrompt.Part part : parts) {
            texts.add(chunker.chunkText(part.text()));
        }
        int longestPart = texts.stream().mapToInt(t -> t.chunks().size()).max().orElseThrow();
        if (negativePrompt != null) {
            ChunkedPrompt negative = chunker.chunkText(negativePrompt);
            texts.add(negative);
            if (padToSameLength && negative.chunks().size() != longestPart) {
                texts.add(chunker.chunkText(""));
            }
        }
        List<Conditioning> encoded = encode(texts, clipSkip);
        List<Conditioning> conds = new ArrayList<>();
        int length = 0;
        for (int i = 0; i < parts.size(); i++) {
            Conditioning c = encoded.get(i);
            conds.add(new Conditioning(c.values(), c.tokens(), c.hidden(), parts.get(i).weight(), c.prompt()));
            length = Math.max(length, c.tokens());
        }
        for (int i = 0; i < conds.size(); i++) {
            if (conds.get(i).tokens() < length) {
                conds.set(i, conds.get(i).repeatLastTo(length));
            }
        }
        Conditioning negative = negativePrompt == null ? null : encoded.get(parts.size());
        if (negative != null && padToSameLength && negative.tokens() != length) {
            Conditioning empty = encoded.get(parts.size() + 1);
            if (negative.tokens() < length) {
                negative = negative.padWith(empty, length);
            } else {
                int padded = negative.tokens();
                conds.replaceAll(c -> c.padWith(empty, padded));
            }
        }
        return new PromptConditioning(conds, negative, tagged.tags());
    }

    private List<Conditioning> encode(List<ChunkedPrompt> texts, int clipSkip) {
        List<int[]> tokens = new ArrayList<>();
        for (ChunkedPrompt p : texts) {
            p.chunks().forEach(c -> tokens.add(c.tokens()));
        }
        float[] z = encoder.backend().toFloats(encoder.encode(tokens.toArray(int[][]::new), clipSkip));
        int hidden = encoder.config().hiddenSize();
        int chunkValues = ClipTextEncoder.CHUNK_TOKENS * hidden;
        List<Conditioning> out = new ArrayList<>();
        int at = 0;
        for (ChunkedPrompt p : texts) {
            int n = p.chunks().size();
            float[] values = Arrays.copyOfRange(z, at * chunkValues, (at + n) * chunkValues);
            for (int c = 0; c < n; c++) {
                emphasize(values, c * chunkValues, p.chunks().get(c), hidden);
            }
            out.add(new Conditioning(values, n * ClipTextEncoder.CHUNK_TOKENS, hidden, 1.0, p));
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
}
