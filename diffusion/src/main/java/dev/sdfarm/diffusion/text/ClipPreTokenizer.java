package dev.sdfarm.diffusion.text;

import java.util.ArrayList;
import java.util.List;

/**
 * CLIP's word splitter: Python {@code regex.findall} of
 * {@code <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+} with
 * {@code IGNORECASE}, written out as a scanner so that it follows the {@code regex} module rather than
 * {@code java.util.regex} where they differ: the alternatives are tried in order at each position, whitespace
 * is the {@code regex} module's {@code \s} (which, unlike {@code str.isspace}, excludes U+001C..U+001F),
 * {@code ſ} (U+017F) matches a literal {@code s} case-insensitively, and U+0345 (combining ypogegrammeni,
 * whose case folding is a letter) matches no alternative under {@code IGNORECASE} and is dropped.
 */
final class ClipPreTokenizer {
    static final String START_OF_TEXT = "<|startoftext|>";
    static final String END_OF_TEXT = "<|endoftext|>";
    private static final String[] CONTRACTIONS = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};

    /** Character classes of the pattern: a letter run, a single number, whitespace, a symbol run, no match. */
    enum CharClass { LETTER, NUMBER, SPACE, OTHER, NONE }

    private ClipPreTokenizer() {
    }

    static CharClass classify(int cp) {
        if (Character.isLetter(cp)) {
            return CharClass.LETTER;
        }
        if (PythonText.isNumber(cp)) {
            return CharClass.NUMBER;
        }
        if (isRegexSpace(cp)) {
            return CharClass.SPACE;
        }
        if (cp == 0x345) {
            return CharClass.NONE;
        }
        return CharClass.OTHER;
    }

    /** The {@code regex} module's {@code \s} for str patterns. */
    static boolean isRegexSpace(int cp) {
        if (cp <= 0x20) {
            return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
        }
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028
                || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /** The words of already cleaned and lower-cased text, in order. */
    static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            int cp = text.codePointAt(i);
            int end = matchLiteralAlternatives(text, i, cp);
            if (end < 0) {
                CharClass cls = classify(cp);
                switch (cls) {
                    case LETTER -> end = runEnd(text, i, CharClass.LETTER);
                    case NUMBER -> end = i + Character.charCount(cp);
                    case OTHER -> end = runEnd(text, i, CharClass.OTHER);
                    case SPACE, NONE -> {
                        i += Character.charCount(cp);
                        continue;
                    }
                }
            }
            words.add(text.substring(i, end));
            i = end;
        }
        return words;
    }

    private static int runEnd(String text, int start, CharClass cls) {
        int j = start;
        while (j < text.length()) {
            int cp = text.codePointAt(j);
            if (classify(cp) != cls) {
                break;
            }
            j += Character.charCount(cp);
        }
        return j;
    }

    /** End of the special-token or contraction alternative matching at {@code i}, or -1. */
    private static int matchLiteralAlternatives(String text, int i, int cp) {
        if (cp == '<') {
            int end = matchIgnoringCase(text, i, START_OF_TEXT);
            return end >= 0 ? end : matchIgnoringCase(text, i, END_OF_TEXT);
        }
        if (cp == '\'') {
            for (String contraction : CONTRACTIONS) {
                int end = matchIgnoringCase(text, i, contraction);
                if (end >= 0) {
                    return end;
                }
            }
        }
        return -1;
    }

    private static int matchIgnoringCase(String text, int start, String literal) {
        int j = start;
        for (int k = 0; k < literal.length(); k++) {
            if (j >= text.length()) {
                return -1;
            }
            int cp = text.codePointAt(j);
            if (!equalsIgnoringCase(cp, literal.charAt(k))) {
                return -1;
            }
            j += Character.charCount(cp);
        }
        return j;
    }

    /** Simple case folding as the {@code regex} module applies it to the ASCII literals of the pattern. */
    private static boolean equalsIgnoringCase(int cp, char literal) {
        if (cp == literal) {
            return true;
        }
        if (literal >= 'a' && literal <= 'z') {
            return cp == literal - 'a' + 'A' || (literal == 's' && cp == 0x17F) || (literal == 'k' && cp == 0x212A);
        }
        return false;
    }
}
