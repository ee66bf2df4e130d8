package dev.sdfarm.diffusion.image;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One PNG text chunk: a keyword and its text.
 *
 * @param keyword  1 to 79 Latin-1 characters, no NUL
 * @param text     the text (tEXt/zTXt are Latin-1, iTXt is UTF-8)
 * @param kind     which chunk type carries it
 * @param language iTXt language tag ({@code ""} otherwise)
 * @param translatedKeyword iTXt translated keyword ({@code ""} otherwise)
 */
public record PngText(String keyword, String text, Kind kind, String language, String translatedKeyword) {

    /** The PNG text chunk types. */
    public enum Kind {
        /** Uncompressed Latin-1. */
        TEXT,
        /** Deflate-compressed Latin-1. */
        ZTXT,
        /** International text, UTF-8, uncompressed or compressed. */
        ITXT
    }

    /** Checks the keyword (Latin-1, 1..79 characters, no NUL) and, for tEXt/zTXt, that the text is Latin-1. */
    public PngText {
        Objects.requireNonNull(keyword, "keyword");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(translatedKeyword, "translatedKeyword");
        if (keyword.isEmpty() || keyword.length() > 79 || !isLatin1(keyword) || keyword.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("PNG text keyword must be 1 to 79 Latin-1 characters without NUL: "
                    + keyword);
        }
        if (kind != Kind.ITXT && !isLatin1(text)) {
            throw new IllegalArgumentException("tEXt/zTXt text must be Latin-1; use iTXt");
        }
        if (kind != Kind.ITXT && (!language.isEmpty() || !translatedKeyword.isEmpty())) {
            throw new IllegalArgumentException("language and translated keyword exist only in iTXt");
        }
    }

    /**
     * A text chunk chosen as Pillow's {@code PngInfo.add_text} (which AUTOMATIC1111 uses) chooses it: tEXt when the
     * text is Latin-1 encodable, otherwise an uncompressed iTXt with empty language and translated keyword.
     */
    public static PngText of(String keyword, String text) {
        return new PngText(keyword, text, isLatin1(text) ? Kind.TEXT : Kind.ITXT, "", "");
    }

    /** Whether every character is in U+0000..U+00FF (Python's {@code str.encode("latin-1")} succeeds). */
    public static boolean isLatin1(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    byte[] keywordBytes() {
        return keyword.getBytes(StandardCharsets.ISO_8859_1);
    }
}
