package dev.sdfarm.diffusion.text;

import java.util.Arrays;
import java.util.Objects;

/**
 * The CLIP BPE tokenizer of Stable Diffusion 1.x: prompt text to CLIP token ids, identical to what the Hugging
 * Face {@code CLIPTokenizer} (with ftfy installed) produces for {@code openai/clip-vit-large-patch14} - the
 * tokenizer AUTOMATIC1111's webui and the original SD code run - so that the same prompt conditions the model
 * the same way here as there.
 *
 * <p>The pipeline per prompt: the literal special tokens {@code <|startoftext|>} and {@code <|endoftext|>}
 * are split off first (they become {@link #BOS} and {@link #EOS}); each remaining piece is cleaned with ftfy's
 * default fixes (see {@link TextFixer}, which leaves out ftfy's mojibake repair), whitespace runs collapse to
 * one space and the ends are trimmed, the text is lower-cased as Python's {@code str.lower()} does, split into
 * words by CLIP's pattern (see {@link ClipPreTokenizer}), and each word's UTF-8 bytes are merged by BPE with
 * an end-of-word marker.
 *
 * <p>openai/CLIP's own {@code SimpleTokenizer} differs from this on text with HTML entities only: it runs
 * Python's {@code html.unescape} twice more after ftfy, so it also decodes entities without {@code ;}
 * ({@code &amp}), entities in text containing {@code <}, and doubly escaped ones; and it cleans the whole text
 * at once rather than around special tokens. This class follows Hugging Face, as webui does.
 *
 * <p>Instances are immutable and thread-safe; {@link #load()} returns a shared one. Any string is accepted.
 */
public final class ClipTokenizer {
    /** {@code <|startoftext|>}, which opens every 77-token sequence. */
    public static final int BOS = BytePairEncoder.START_OF_TEXT_ID;
    /** {@code <|endoftext|>}, which closes a sequence and, for SD1, also pads it. */
    public static final int EOS = BytePairEncoder.END_OF_TEXT_ID;
    /** Number of token ids, 49408. */
    public static final int VOCABULARY_SIZE = BytePairEncoder.VOCABULARY_SIZE;

    private final BytePairEncoder bpe;
    private final int commaToken;

    private ClipTokenizer(BytePairEncoder bpe) {
        this.bpe = bpe;
        this.commaToken = bpe.id(",</w>");
    }

    private static final class Shared {
        static final ClipTokenizer INSTANCE = new ClipTokenizer(BytePairEncoder.load());
    }

    /** The shared tokenizer over the CLIP vocabulary bundled as a resource; loaded on first use. */
    public static ClipTokenizer load() {
        return Shared.INSTANCE;
    }

    /**
     * The token ids of {@code text}, without {@link #BOS}/{@link #EOS} around them and without truncation.
     * Never fails on any string (unpaired surrogates are read as U+FFFD).
     */
    public int[] encode(String text) {
        Objects.requireNonNull(text, "text");
        IdBuffer ids = new IdBuffer();
        int pieceStart = 0;
        while (true) {
            int start = text.indexOf(ClipPreTokenizer.START_OF_TEXT, pieceStart);
            int end = text.indexOf(ClipPreTokenizer.END_OF_TEXT, pieceStart);
            int special = start < 0 ? end : end < 0 ? start : Math.min(start, end);
            if (special < 0) {
                encodePiece(text.substring(pieceStart), ids);
                return ids.toArray();
            }
            encodePiece(text.substring(pieceStart, special), ids);
            if (special == start) {
                ids.add(BOS);
                pieceStart = special + ClipPreTokenizer.START_OF_TEXT.length();
            } else {
                ids.add(EOS);
                pieceStart = special + ClipPreTokenizer.END_OF_TEXT.length();
            }
        }
    }

    private void encodePiece(String piece, IdBuffer ids) {
        if (piece.isEmpty()) {
            return;
        }
        String cleaned = PythonText.lower(collapseWhitespace(TextFixer.fixText(piece)));
        for (String word : ClipPreTokenizer.split(cleaned)) {
            ids.addAll(bpe.encodeWord(word));
        }
    }

    /**
     * CLIP's {@code whitespace_clean}: each run of the {@code regex} module's {@code \s} becomes one space,
     * then {@code str.strip()} trims the ends.
     */
    static String collapseWhitespace(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean inSpace = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (ClipPreTokenizer.isRegexSpace(cp)) {
                if (!inSpace) {
                    out.append(' ');
                    inSpace = true;
                }
            } else {
                out.appendCodePoint(cp);
                inSpace = false;
            }
        }
        return PythonText.strip(out.toString());
    }

    /**
     * Text for token ids as openai/CLIP's {@code decode} renders it: every end of word becomes a space (so
     * the result usually ends in one), special tokens appear literally, and byte sequences that are not
     * valid UTF-8 become U+FFFD. Meant for logs and debugging; not an inverse of {@link #encode}.
     *
     * @throws IllegalArgumentException if an id is outside the vocabulary
     */
    public String decode(int[] ids) {
        return bpe.decode(ids);
    }

    /** The id of {@code ,</w>} (267), which the prompt chunker uses to break long prompts at commas. */
    public int commaToken() {
        return commaToken;
    }

    /** Growable int array. */
    private static final class IdBuffer {
        private int[] ids = new int[32];
        private int size;

        void add(int id) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
            }
            ids[size++] = id;
        }

        void addAll(int[] more) {
            if (size + more.length > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(size * 2, size + more.length));
            }
            System.arraycopy(more, 0, ids, size, more.length);
            size += more.length;
        }

        int[] toArray() {
            return Arrays.copyOf(ids, size);
        }
    }
}
