package dev.sdfarm.diffusion.text;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * AUTOMATIC1111's emphasis syntax ({@code modules/prompt_parser.py} {@code parse_prompt_attention}, webui
 * v1.10.1), reproduced exactly so that prompts written for webui weight the same tokens by the same amounts:
 *
 * <ul>
 *   <li>{@code (text)} multiplies the weight by 1.1, {@code [text]} divides it by 1.1, {@code (text:1.5)}
 *       multiplies by the given number (any sign, spaces around it allowed); nesting multiplies;</li>
 *   <li>round and square brackets are tracked separately, so {@code ([a)b]} is valid; a closing bracket with
 *       nothing open is literal text; brackets still open at the end apply to everything after them;</li>
 *   <li>{@code \(}, {@code \)}, {@code \[}, {@code \]} and {@code \\} are literal characters; any other
 *       backslash is dropped;</li>
 *   <li>the word {@code BREAK} (upper case, not part of a longer word, with the whitespace around it) becomes a
 *       {@linkplain WeightedText#isBreak() break entry};</li>
 *   <li>adjacent entries of equal weight are merged, and an empty prompt is one empty entry of weight 1.</li>
 * </ul>
 *
 * <p>Prompt-editing syntax such as {@code [cat:dog:0.5]} or {@code [cat|dog]} is not interpreted here: webui
 * resolves it before this step, and this parser treats it as plain text and brackets, as webui's would.
 *
 * <p>One deliberate difference: where webui fails with {@code ValueError} - an open parenthesis closed by a
 * weight that is not a number, such as {@code (x:1.2.3)} or {@code (x:.)} - this parser keeps the
 * {@code :1.2.3)} as literal text and leaves the parenthesis open, which is also what webui does with such text
 * when no parenthesis is open. No input makes it throw.
 */
public final class PromptAttention {
    private static final double ROUND_BRACKET_MULTIPLIER = 1.1;
    private static final double SQUARE_BRACKET_MULTIPLIER = 1 / 1.1;

    private PromptAttention() {
    }

    /** The prompt split into text and weights, in order; never empty. */
    public static List<WeightedText> parse(String prompt) {
        return new Parse(prompt).run();
    }

    private static final class Entry {
        String text;
        double weight;

        Entry(String text, double weight) {
            this.text = text;
            this.weight = weight;
        }
    }

    private static final class Parse {
        private final String s;
        private final List<Entry> res = new ArrayList<>();
        private final List<Integer> roundBrackets = new ArrayList<>();
        private final List<Integer> squareBrackets = new ArrayList<>();

        Parse(String s) {
            this.s = s;
        }

        List<WeightedText> run() {
            int n = s.length();
            int i = 0;
            while (i < n) {
                char c = s.charAt(i);
                if (c == '\\') {
                    if (i + 1 < n && "()[]\\".indexOf(s.charAt(i + 1)) >= 0) {
                        res.add(new Entry(String.valueOf(s.charAt(i + 1)), 1.0));
                        i += 2;
                    } else {
                        res.add(new Entry("", 1.0));
                        i++;
                    }
                } else if (c == '(') {
                    roundBrackets.add(res.size());
                    i++;
                } else if (c == '[') {
                    squareBrackets.add(res.size());
                    i++;
                } else if (c == ':') {
                    i = colon(i);
                } else if (c == ')') {
                    if (!roundBrackets.isEmpty()) {
                        multiplyRange(roundBrackets.removeLast(), ROUND_BRACKET_MULTIPLIER);
                    } else {
                        plain(")");
                    }
                    i++;
                } else if (c == ']') {
                    if (!squareBrackets.isEmpty()) {
                        multiplyRange(squareBrackets.removeLast(), SQUARE_BRACKET_MULTIPLIER);
                    } else {
                        plain("]");
                    }
                    i++;
                } else {
                    int j = i + 1;
                    while (j < n && "\\()[]:".indexOf(s.charAt(j)) < 0) {
                        j++;
                    }
                    plain(s.substring(i, j));
                    i = j;
                }
            }
            for (int position : roundBrackets) {
                multiplyRange(position, ROUND_BRACKET_MULTIPLIER);
            }
            for (int position : squareBrackets) {
                multiplyRange(position, SQUARE_BRACKET_MULTIPLIER);
            }
            if (res.isEmpty()) {
                res.add(new Entry("", 1.0));
            }
            int k = 0;
            while (k + 1 < res.size()) {
                if (res.get(k).weight == res.get(k + 1).weight) {
                    res.get(k).text += res.get(k + 1).text;
                    res.remove(k + 1);
                } else {
                    k++;
                }
            }
            List<WeightedText> out = new ArrayList<>(res.size());
            for (Entry e : res) {
                out.add(new WeightedText(e.text, e.weight));
            }
            return List.copyOf(out);
        }

        /**
         * At a colon: the weight closing a parenthesis, {@code :\s*([+-]?[.\d]+)\s*\)}, or a literal colon.
         * Returns where parsing continues.
         */
        private int colon(int i) {
            int n = s.length();
            int j = skipSpace(i + 1);
            int numberStart = j;
            if (j < n && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                j++;
            }
            int digitsStart = j;
            while (j < n) {
                int cp = s.codePointAt(j);
                if (cp != '.' && !PythonText.isDecimalDigit(cp)) {
                    break;
                }
                j += Character.charCount(cp);
            }
            if (j == digitsStart) {
                plain(":");
                return i + 1;
            }
            int numberEnd = j;
            j = skipSpace(j);
            if (j >= n || s.charAt(j) != ')') {
                plain(":");
                return i + 1;
            }
            int end = j + 1;
            OptionalDouble weight = pythonFloat(s.substring(numberStart, numberEnd));
            if (!roundBrackets.isEmpty() && weight.isPresent()) {
                multiplyRange(roundBrackets.removeLast(), weight.getAsDouble());
            } else {
                plain(s.substring(i, end));
            }
            return end;
        }

        private int skipSpace(int j) {
            while (j < s.length()) {
                int cp = s.codePointAt(j);
                if (!PythonText.isSpace(cp)) {
                    break;
                }
                j += Character.charCount(cp);
            }
            return j;
        }

        private void multiplyRange(int start, double multiplier) {
            for (int p = start; p < res.size(); p++) {
                res.get(p).weight *= multiplier;
            }
        }

        /** Plain text, split at {@code BREAK} as {@code re.split(r"\s*\bBREAK\b\s*", text)} splits it. */
        private void plain(String text) {
            List<String> parts = splitAtBreaks(text);
            for (int k = 0; k < parts.size(); k++) {
                if (k > 0) {
                    res.add(new Entry(WeightedText.BREAK_TEXT, WeightedText.BREAK_WEIGHT));
                }
                res.add(new Entry(parts.get(k), 1.0));
            }
        }
    }

    /**
     * {@code re.split(r"\s*\bBREAK\b\s*", text)}: a {@code BREAK} with no word character (letter, number or
     * underscore) directly before or after it splits the text, taking the whitespace on both sides with it.
     */
    static List<String> splitAtBreaks(String text) {
        int b = text.indexOf(WeightedText.BREAK_TEXT);
        if (b < 0) {
            return List.of(text);
        }
        List<String> parts = new ArrayList<>();
        int n = text.length();
        int searchFrom = 0;
        int partStart = 0;
        while (b >= 0) {
            int after = b + WeightedText.BREAK_TEXT.length();
            boolean boundaryBefore = b == 0 || !PythonText.isWordChar(text.codePointBefore(b));
            boolean boundaryAfter = after == n || !PythonText.isWordChar(text.codePointAt(after));
            if (!boundaryBefore || !boundaryAfter) {
                b = text.indexOf(WeightedText.BREAK_TEXT, b + 1);
                continue;
            }
            int matchStart = b;
            while (matchStart > searchFrom && PythonText.isSpace(text.codePointBefore(matchStart))) {
                matchStart -= Character.charCount(text.codePointBefore(matchStart));
            }
            int matchEnd = after;
            while (matchEnd < n && PythonText.isSpace(text.codePointAt(matchEnd))) {
                matchEnd += Character.charCount(text.codePointAt(matchEnd));
            }
            parts.add(text.substring(partStart, matchStart));
            partStart = matchEnd;
            searchFrom = matchEnd;
            b = text.indexOf(WeightedText.BREAK_TEXT, matchEnd);
        }
        parts.add(text.substring(partStart));
        return parts;
    }

    /**
     * Python's {@code float()} of the weight {@code [+-]?[.\d]+}, where a digit is any Unicode decimal digit;
     * empty when Python would raise (no digit, or more than one point).
     */
    static OptionalDouble pythonFloat(String number) {
        StringBuilder ascii = new StringBuilder(number.length());
        int digits = 0;
        int points = 0;
        for (int i = 0; i < number.length(); ) {
            int cp = number.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '.') {
                points++;
                ascii.append('.');
            } else if (cp == '+' || cp == '-') {
                ascii.append((char) cp);
            } else {
                digits++;
                ascii.append((char) ('0' + Character.digit(cp, 10)));
            }
        }
        if (digits == 0 || points > 1) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Double.parseDouble(ascii.toString()));
    }
}
