package dev.sdfarm.diffusion.text;

import java.util.ArrayList;
import java.util.List;

/**
 * AUTOMATIC1111's composable-diffusion syntax ({@code prompt_parser.get_multicond_prompt_list}): a positive
 * prompt is split at every whole word {@code AND}, and each part may end in {@code :weight}, which is taken off
 * the text and becomes the part's weight in the denoiser's weighted sum (1 when absent). So {@code a dog:1.5}
 * encodes {@code a dog}. Trailing whitespace of each part goes too. Runs after extra-network tags are removed.
 *
 * @param parts the prompt's parts in order (duplicates kept)
 */
public record ComposablePrompt(List<Part> parts) {
    public ComposablePrompt {
        parts = List.copyOf(parts);
    }

    /** One part: the text that is encoded and its weight. */
    public record Part(String text, double weight) {
    }

    /** Never fails; a prompt without {@code AND} or weight is one part of weight 1. */
    public static ComposablePrompt parse(String prompt) {
        List<Part> parts = new ArrayList<>();
        int start = 0;
        for (int at = prompt.indexOf("AND"); at >= 0; at = prompt.indexOf("AND", at + 1)) {
            int end = at + 3;
            boolean wordStart = at == 0 || !PythonText.isWordChar(prompt.codePointBefore(at));
            boolean wordEnd = end == prompt.length() || !PythonText.isWordChar(prompt.codePointAt(end));
            if (wordStart && wordEnd) {
                parts.add(part(prompt.substring(start, at)));
                start = end;
                at = end - 1;
            }
        }
        parts.add(part(prompt.substring(start)));
        return new ComposablePrompt(parts);
    }

    /**
     * webui's {@code re_weight}, {@code ^((?:\s|.)*?)(?:\s*:\s*([-+]?(?:\d+\.?|\d*\.\d+)))?\s*$}: only the last colon
     * can start a weight (nothing but a number and whitespace may follow it), and the lazy text then stops
     * before the whitespace that precedes that colon.
     */
    private static Part part(String s) {
        int colon = s.lastIndexOf(':');
        if (colon >= 0) {
            String number = PythonText.strip(s.substring(colon + 1));
            Double weight = parseNumber(number);
            if (weight != null) {
                return new Part(rstrip(s.substring(0, colon)), weight);
            }
        }
        return new Part(rstrip(s), 1.0);
    }

    /** {@code [-+]?(?:\d+\.?|\d*\.\d+)} with Unicode decimal digits, as Python's {@code float()} reads it; else null. */
    private static Double parseNumber(String s) {
        StringBuilder ascii = new StringBuilder();
        int i = 0;
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            ascii.append(s.charAt(0));
            i = 1;
        }
        int digits = 0;
        boolean point = false;
        int digitsAfterPoint = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (cp == '.' && !point) {
                point = true;
                ascii.append('.');
            } else if (PythonText.isDecimalDigit(cp)) {
                ascii.append((char) ('0' + Character.digit(cp, 10)));
                digits++;
                if (point) {
                    digitsAfterPoint++;
                }
            } else {
                return null;
            }
            i += Character.charCount(cp);
        }
        boolean valid = point ? (digits - digitsAfterPoint > 0 || digitsAfterPoint > 0) : digits > 0;
        return valid ? Double.parseDouble(ascii.toString()) : null;
    }

    private static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && PythonText.isSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(0, end);
    }
}
