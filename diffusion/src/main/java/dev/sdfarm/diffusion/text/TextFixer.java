package dev.sdfarm.diffusion.text;

import java.text.Normalizer;

/**
 * ftfy 6.3 {@code fix_text} with its default configuration, minus mojibake repair. The CLIP tokenizer runs
 * every prompt through ftfy, and several of its default fixes change perfectly valid text - so a tokenizer that
 * skipped them would produce different token ids for ordinary prompts containing curly quotes, {@code &amp;},
 * ligatures, full-width letters, C1 or other control characters, or decomposed accents.
 *
 * <p>Reproduced, in ftfy's order and repeated until nothing changes: HTML entity decoding (skipped from the
 * first line containing {@code <} on, as ftfy's "auto" mode does), C1 controls read as Windows-1252, Latin
 * ligatures split, full-width and half-width forms narrowed, curly quotes straightened, line breaks unified,
 * lone surrogates replaced by U+FFFD, ANSI terminal escapes and invisible control characters removed, NFC.
 *
 * <p>Left out: ftfy's {@code fix_encoding} (detecting and undoing mojibake such as {@code "CafÃ©"}). On text
 * that is not mojibake it changes nothing; on mojibake this class keeps the characters as they are where ftfy
 * would have re-decoded them.
 */
final class TextFixer {
    private static final int MAX_SEGMENT_CODE_POINTS = 1_000_000;

    /** Windows-1252 for bytes 0x80..0x9F, with its five undefined bytes passed through (ftfy's "sloppy" codec). */
    private static final char[] CP1252_C1 = {
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
        '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
        '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    };

    /** Half-width and full-width forms U+FF01..U+FFEF mapped to their NFKC form where that differs. */
    private static final String[] WIDTH_FORMS = buildWidthForms();

    private TextFixer() {
    }

    private static String[] buildWidthForms() {
        String[] forms = new String[0xFFF0 - 0xFF01];
        for (int cp = 0xFF01; cp < 0xFFF0; cp++) {
            String c = String.valueOf((char) cp);
            String nfkc = Normalizer.normalize(c, Normalizer.Form.NFKC);
            forms[cp - 0xFF01] = nfkc.equals(c) ? null : nfkc;
        }
        return forms;
    }

    /** ftfy's {@code fix_text}: fixes each line separately, as ftfy does. */
    static String fixText(String text) {
        StringBuilder out = null;
        boolean unescapeHtml = true;
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int lineBreak = text.indexOf('\n', pos);
            int end = lineBreak < 0 ? n : lineBreak + 1;
            if (end - pos > MAX_SEGMENT_CODE_POINTS && text.codePointCount(pos, end) > MAX_SEGMENT_CODE_POINTS) {
                end = text.offsetByCodePoints(pos, MAX_SEGMENT_CODE_POINTS);
            }
            String segment = text.substring(pos, end);
            if (unescapeHtml && segment.indexOf('<') >= 0) {
                // ftfy's "auto": text containing '<' looks like real HTML, so its entities are left alone - for
                // this line and, because fix_text keeps the changed configuration, for every later line.
                unescapeHtml = false;
            }
            String fixed = fixSegment(segment, unescapeHtml);
            if (pos == 0 && end == n) {
                return fixed;
            }
            if (out == null) {
                out = new StringBuilder(n);
            }
            out.append(fixed);
            pos = end;
        }
        return out == null ? text : out.toString();
    }

    private static String fixSegment(String text, boolean unescapeHtml) {
        while (true) {
            String original = text;
            if (unescapeHtml) {
                text = unescapeHtml(text);
            }
            text = fixC1Controls(text);
            text = fixLatinLigatures(text);
            text = fixCharacterWidth(text);
            text = uncurlQuotes(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = removeTerminalEscapes(text);
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(original)) {
                return text;
            }
        }
    }

    /**
     * ftfy's {@code unescape_html}: replaces {@code &name;} and {@code &#number;} (at most 24 letters or digits
     * between {@code &} or {@code &#} and {@code ;}) when it is a known entity, leaving anything else as is.
     */
    static String unescapeHtml(String text) {
        int amp = text.indexOf('&');
        if (amp < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        int n = text.length();
        int i = amp;
        while (i >= 0 && i < n) {
            int bodyStart = i + 1;
            if (bodyStart < n && text.charAt(bodyStart) == '#') {
                bodyStart++;
            }
            int k = bodyStart;
            while (k < n && k - bodyStart < 24 && isAsciiAlphanumeric(text.charAt(k))) {
                k++;
            }
            if (k > bodyStart && k < n && text.charAt(k) == ';') {
                String entity = text.substring(i, k + 1);
                String replacement = replaceEntity(entity);
                out.append(text, copied, i).append(replacement);
                copied = k + 1;
                i = text.indexOf('&', k + 1);
            } else {
                i = text.indexOf('&', i + 1);
            }
        }
        if (copied == 0) {
            return text;
        }
        out.append(text, copied, n);
        return out.toString();
    }

    private static boolean isAsciiAlphanumeric(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    private static String replaceEntity(String entity) {
        String named = HtmlEntities.lookup(entity);
        if (named != null) {
            return named;
        }
        if (!entity.startsWith("&#")) {
            return entity;
        }
        String decoded = decodeCharacterReference(entity.substring(2, entity.length() - 1));
        // ftfy keeps the entity when Python's html.unescape did not consume it whole (its result then still
        // holds the ';'), which also keeps "&#59;" itself.
        return decoded == null || decoded.indexOf(';') >= 0 ? entity : decoded;
    }

    /**
     * Python's {@code html.unescape} for a numeric reference body ({@code 65}, {@code x41}); null when the body
     * is not entirely a decimal or {@code x}/{@code X} hexadecimal number.
     */
    private static String decodeCharacterReference(String body) {
        int radix = 10;
        int start = 0;
        if (body.charAt(0) == 'x' || body.charAt(0) == 'X') {
            radix = 16;
            start = 1;
        }
        if (start == body.length()) {
            return null;
        }
        long value = 0;
        for (int i = start; i < body.length(); i++) {
            int digit = Character.digit(body.charAt(i), radix);
            if (digit < 0) {
                return null;
            }
            value = Math.min(value * radix + digit, 0x110000L);
        }
        int cp = (int) value;
        if (cp == 0) {
            return "\uFFFD";
        }
        if (cp == 0x0D) {
            return "\r";
        }
        if (cp >= 0x80 && cp <= 0x9F) {
            return String.valueOf(CP1252_C1[cp - 0x80]);
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return "\uFFFD";
        }
        if ((cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F) || cp == 0x7F
                || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
            return "";
        }
        return Character.toString(cp);
    }

    /** ftfy's {@code fix_c1_controls}: U+0080..U+009F are read as the Windows-1252 characters of those bytes. */
    static String fixC1Controls(String text) {
        char[] chars = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9F) {
                if (chars == null) {
                    chars = text.toCharArray();
                }
                chars[i] = CP1252_C1[c - 0x80];
            }
        }
        return chars == null ? text : new String(chars);
    }

    /** ftfy's {@code fix_latin_ligatures}: single-character Latin ligatures and digraphs become their letters. */
    static String fixLatinLigatures(String text) {
        return replaceChars(text, TextFixer::ligature);
    }

    /** {@code text} with every char that {@code replacement} maps to a string replaced by it; no copy if none is. */
    private static String replaceChars(String text, java.util.function.IntFunction<String> replacement) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String r = replacement.apply(c);
            if (r != null && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (r != null) {
                    out.append(r);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }

    private static String ligature(int c) {
        return switch (c) {
            case '\u0132' -> "IJ";
            case '\u0133' -> "ij";
            case '\u0149' -> "\u02BCn";
            case '\u01F1' -> "DZ";
            case '\u01F2' -> "Dz";
            case '\u01F3' -> "dz";
            case '\u01C4' -> "D\u017D";
            case '\u01C5' -> "D\u017E";
            case '\u01C6' -> "d\u017E";
            case '\u01C7' -> "LJ";
            case '\u01C8' -> "Lj";
            case '\u01C9' -> "lj";
            case '\u01CA' -> "NJ";
            case '\u01CB' -> "Nj";
            case '\u01CC' -> "nj";
            case '\uFB00' -> "ff";
            case '\uFB01' -> "fi";
            case '\uFB02' -> "fl";
            case '\uFB03' -> "ffi";
            case '\uFB04' -> "ffl";
            case '\uFB05' -> "\u017Ft";
            case '\uFB06' -> "st";
            default -> null;
        };
    }

    /** ftfy's {@code fix_character_width}: full-width and half-width forms, and U+3000, to standard width. */
    static String fixCharacterWidth(String text) {
        return replaceChars(text, c -> c == '\u3000' ? " " : c >= 0xFF01 && c < 0xFFF0 ? WIDTH_FORMS[c - 0xFF01] : null);
    }

    /** ftfy's {@code uncurl_quotes}: U+02BC and U+2018..U+201B become {@code '}, U+201C..U+201F {@code "}. */
    static String uncurlQuotes(String text) {
        char[] chars = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            char replacement;
            if (c == '\u02BC' || (c >= '\u2018' && c <= '\u201B')) {
                replacement = '\'';
            } else if (c >= '\u201C' && c <= '\u201F') {
                replacement = '"';
            } else {
                continue;
            }
            if (chars == null) {
                chars = text.toCharArray();
            }
            chars[i] = replacement;
        }
        return chars == null ? text : new String(chars);
    }

    /** ftfy's {@code fix_line_breaks}: CRLF, CR, U+2028, U+2029 and NEL all become {@code \n}. */
    static String fixLineBreaks(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean lineBreak = c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u0085';
            if (lineBreak && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null) {
                if (!lineBreak) {
                    out.append(c);
                } else {
                    out.append('\n');
                    if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                        i++;
                    }
                }
            }
        }
        return out == null ? text : out.toString();
    }

    /**
     * ftfy's {@code fix_surrogates}. A Java string holds a correctly paired surrogate as the character it
     * encodes already; what remains is replacing unpaired surrogates with U+FFFD.
     */
    static String fixSurrogates(String text) {
        char[] chars = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                if (chars == null) {
                    chars = text.toCharArray();
                }
                chars[i] = '\uFFFD';
            }
        }
        return chars == null ? text : new String(chars);
    }

    /**
     * ftfy's {@code remove_terminal_escapes}: deletes {@code ESC [ (digit|;)* letter}, where a digit is any
     * Unicode decimal digit and the letter is ASCII.
     */
    static String removeTerminalEscapes(String text) {
        int esc = text.indexOf('\u001B');
        if (esc < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        int n = text.length();
        while (esc >= 0) {
            int j = esc + 1;
            int end = -1;
            if (j < n && text.charAt(j) == '[') {
                j++;
                while (j < n) {
                    int cp = text.codePointAt(j);
                    if (cp == ';' || PythonText.isDecimalDigit(cp)) {
                        j += Character.charCount(cp);
                    } else {
                        break;
                    }
                }
                if (j < n && isAsciiLetter(text.charAt(j))) {
                    end = j + 1;
                }
            }
            if (end > 0) {
                out.append(text, copied, esc);
                copied = end;
                esc = text.indexOf('\u001B', end);
            } else {
                esc = text.indexOf('\u001B', esc + 1);
            }
        }
        if (copied == 0) {
            return text;
        }
        return out.append(text, copied, n).toString();
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    /**
     * ftfy's {@code remove_control_chars}: U+0000..U+0008, U+000B, U+000E..U+001F, U+007F, U+206A..U+206F,
     * U+FEFF and U+FFF9..U+FFFC are deleted; whitespace controls, C1, joiners and bidi marks are kept.
     */
    static String removeControlChars(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean remove = isRemovedControl(c);
            if (remove && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            }
            if (out != null && !remove) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    private static boolean isRemovedControl(char c) {
        return c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F)
                || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
    }
}
