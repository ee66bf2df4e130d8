package dev.sdfarm.diffusion.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Turns a prompt into 77-token chunks with per-token attention multipliers exactly as webui's SD1 text
 * conditioning does ({@code modules/sd_hijack_clip.py}, {@code tokenize_line}, webui v1.10.1), so that long
 * prompts are split at the same places and every token is weighted the same as there.
 *
 * <p>Steps: extra-network tags are taken out (positive prompts only, as webui does), the emphasis syntax is
 * parsed by {@link PromptAttention}, each piece is tokenized separately, and the tokens fill chunks of 75.
 * When a chunk is full and the last comma in it is at most {@code commaPaddingBacktrack} tokens back (webui's
 * {@code comma_padding_backtrack}, default 20; 0 disables it), the tokens after that comma move to the next
 * chunk, so that phrases are not cut in half. {@code BREAK} closes the current chunk even when it is empty.
 * Each chunk is padded to 75 with {@link ClipTokenizer#EOS} and framed by BOS and EOS. An empty prompt is one
 * chunk of padding; a prompt of exactly 75 tokens is one chunk.
 *
 * <p>Not supported: textual-inversion embeddings (webui replaces embedding names in the prompt by their
 * vectors; here such names are tokenized as ordinary words), the emphasis modes other than webui's default
 * "Original", prompt editing ({@code [a:b:0.5]}, {@code [a|b]}) and composable prompts ({@code AND}), which
 * webui resolves before this step.
 *
 * <p>Immutable and thread-safe.
 */
public final class PromptChunker {
    /** Prompt tokens per chunk. */
    public static final int CHUNK_LENGTH = 75;
    /** webui's default {@code comma_padding_backtrack}. */
    public static final int DEFAULT_COMMA_PADDING_BACKTRACK = 20;

    private final ClipTokenizer tokenizer;
    private final int commaPaddingBacktrack;

    /** A chunker with webui's default comma backtracking (20 tokens). */
    public PromptChunker(ClipTokenizer tokenizer) {
        this(tokenizer, DEFAULT_COMMA_PADDING_BACKTRACK);
    }

    /**
     * @param commaPaddingBacktrack how many tokens back a comma may be for the text after it to move to the
     *                              next chunk; 0 (or less) never moves text
     */
    public PromptChunker(ClipTokenizer tokenizer, int commaPaddingBacktrack) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.commaPaddingBacktrack = commaPaddingBacktrack;
    }

    /** A positive prompt: extra-network tags are removed and reported, the rest is chunked. Never fails. */
    public ChunkedPrompt chunk(String prompt) {
        ExtraNetworkPrompt parsed = ExtraNetworkParser.parse(prompt);
        return chunkLine(parsed.text(), parsed.tags());
    }

    /**
     * Text chunked as it is: a negative prompt (webui does not look for extra-network tags in negative prompts,
     * so text such as {@code <lora:x:1>} is tokenized like any other), or one part of a composable prompt whose
     * tags are already gone. Never fails.
     */
    public ChunkedPrompt chunkText(String text) {
        return chunkLine(text, List.of());
    }

    private ChunkedPrompt chunkLine(String line, List<ExtraNetworkTag> tags) {
        Chunks chunks = new Chunks();
        int comma = tokenizer.commaToken();
        for (WeightedText piece : PromptAttention.parse(line)) {
            if (piece.isBreak()) {
                chunks.next(false);
                continue;
            }
            double weight = piece.weight();
            for (int token : tokenizer.encode(piece.text())) {
                if (token == comma) {
                    chunks.lastComma = chunks.size;
                } else if (commaPaddingBacktrack != 0 && chunks.size == CHUNK_LENGTH && chunks.lastComma != -1
                        && chunks.size - chunks.lastComma <= commaPaddingBacktrack) {
                    chunks.moveAfterLastCommaToNextChunk();
                }
                if (chunks.size == CHUNK_LENGTH) {
                    chunks.next(false);
                }
                chunks.add(token, weight);
            }
        }
        if (chunks.size > 0 || chunks.done.isEmpty()) {
            chunks.next(true);
        }
        return new ChunkedPrompt(chunks.done, chunks.tokenCount, tags);
    }

    /** webui's chunk state: the finished chunks, the chunk being filled, the token count, the last comma. */
    private static final class Chunks {
        final List<PromptChunk> done = new ArrayList<>();
        final int[] tokens = new int[CHUNK_LENGTH];
        final double[] weights = new double[CHUNK_LENGTH];
        int size;
        int tokenCount;
        int lastComma = -1;

        void add(int token, double weight) {
            tokens[size] = token;
            weights[size] = weight;
            size++;
        }

        /** Closes the current chunk; the last one counts only its own tokens towards the token count. */
        void next(boolean isLast) {
            tokenCount += isLast ? size : CHUNK_LENGTH;
            int[] chunkTokens = new int[PromptChunk.LENGTH];
            float[] multipliers = new float[PromptChunk.LENGTH];
            Arrays.fill(chunkTokens, ClipTokenizer.EOS);
            Arrays.fill(multipliers, 1.0f);
            chunkTokens[0] = ClipTokenizer.BOS;
            for (int i = 0; i < size; i++) {
                chunkTokens[i + 1] = tokens[i];
                multipliers[i + 1] = (float) weights[i];
            }
            done.add(new PromptChunk(chunkTokens, multipliers));
            size = 0;
            lastComma = -1;
        }

        /** Ends the current chunk just after its last comma and starts the next with the tokens that followed. */
        void moveAfterLastCommaToNextChunk() {
            int breakLocation = lastComma + 1;
            int moved = size - breakLocation;
            int[] movedTokens = Arrays.copyOfRange(tokens, breakLocation, size);
            double[] movedWeights = Arrays.copyOfRange(weights, breakLocation, size);
            size = breakLocation;
            next(false);
            System.arraycopy(movedTokens, 0, tokens, 0, moved);
            System.arraycopy(movedWeights, 0, weights, 0, moved);
            size = moved;
        }
    }
}
