package dev.sdfarm.diffusion.text;

/**
 * The few CPython string semantics the reference prompt code relies on and Java spells differently:
 * {@code str.isspace()} (also what {@code re}'s {@code \s} matches), {@code re}'s {@code \w} and {@code \d},
 * {@code str.strip()} and {@code str.lower()}. Character categories come from the running JDK's Unicode
 * tables, so characters assigned after the reference's Unicode version may classify differently.
 */
final class PythonText {
    private PythonText() {
    }

    /**
     * {@code str.isspace()}, which is also exactly the set CPython's {@code re} matches with {@code \s}: the
     * ASCII whitespace, the information separators U+001C..U+001F, NEL and the Unicode space separators.
     */
    static boolean isSpace(int cp) {
        if (cp <= 0x20) {
            return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
        }
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028
                || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /** CPython {@code re}'s {@code \w} on a str pattern: letters, numbers of every kind, and underscore. */
    static boolean isWordChar(int cp) {
        return cp == '_' || Character.isLetter(cp) || isNumber(cp);
    }

    /** General category N: Nd, Nl or No. */
    static boolean isNumber(int cp) {
        int type = Character.getType(cp);
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    /** CPython {@code re}'s {@code \d} on a str pattern: any decimal digit (category Nd), not just 0-9. */
    static boolean isDecimalDigit(int cp) {
        return Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER;
    }

    /** {@code str.strip()}: removes {@link #isSpace} characters from both ends. */
    static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end) {
            int cp = s.codePointAt(start);
            if (!isSpace(cp)) {
                break;
            }
            start += Character.charCount(cp);
        }
        while (end > start) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(start, end);
    }

    /**
     * {@code str.lower()}: the full lowercase mapping without language rules. That is the simple mapping except
     * for U+0130 (to {@code i} + combining dot above) and capital sigma, which becomes final sigma by CPython's
     * Final_Sigma test - {@code String.toLowerCase} differs there (it uses word boundaries) and is therefore
     * not used.
     */
    static String lower(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            int cp = s.codePointAt(i);
            if (cp == 0x130 || cp == 0x3A3 || Character.toLowerCase(cp) != cp) {
                break;
            }
            i += Character.charCount(cp);
        }
        if (i == n) {
            return s;
        }
        StringBuilder out = new StringBuilder(n + 8);
        out.append(s, 0, i);
        while (i < n) {
            int cp = s.codePointAt(i);
            if (cp == 0x130) {
                out.append('i').append('\u0307');
            } else if (cp == 0x3A3) {
                out.append(isFinalSigma(s, i) ? '\u03C2' : '\u03C3');
            } else {
                out.appendCodePoint(Character.toLowerCase(cp));
            }
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    /**
     * CPython's {@code handle_capital_sigma}: the sigma at {@code index} is final when a cased character
     * precedes it (skipping case-ignorable ones) and no cased character follows it (again skipping
     * case-ignorable ones).
     */
    private static boolean isFinalSigma(String s, int index) {
        int j = index;
        int before = -1;
        while (j > 0) {
            int cp = s.codePointBefore(j);
            j -= Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                before = cp;
                break;
            }
        }
        if (before < 0 || !isCased(before)) {
            return false;
        }
        j = index + 1;
        while (j < s.length()) {
            int cp = s.codePointAt(j);
            j += Character.charCount(cp);
            if (!isCaseIgnorable(cp)) {
                return !isCased(cp);
            }
        }
        return true;
    }

    /** Unicode's Cased property: Lowercase, Uppercase or titlecase letter. */
    static boolean isCased(int cp) {
        return Character.isLowerCase(cp) || Character.isUpperCase(cp) || Character.isTitleCase(cp);
    }

    /**
     * Unicode's Case_Ignorable property: categories Mn, Me, Cf, Lm and Sk, plus the Word_Break classes
     * MidLetter, MidNumLet and Single_Quote (which the JDK does not expose, so they are listed).
     */
    static boolean isCaseIgnorable(int cp) {
        switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                 Character.MODIFIER_SYMBOL -> {
                return true;
            }
            default -> {
                return switch (cp) {
                    // Single_Quote, MidNumLet, MidLetter
                    case 0x27, 0x2E, 0x2018, 0x2019, 0x2024, 0xFE52, 0xFF07, 0xFF0E, 0x3A, 0xB7, 0x387, 0x55F,
                         0x5F4, 0x2027, 0xFE13, 0xFE55, 0xFF1A -> true;
                    default -> false;
                };
            }
        }
    }
}
