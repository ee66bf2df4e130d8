package dev.sdfarm.diffusion.image;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An infotext as {@code parse_generation_parameters} reads it, before webui adds its defaults: the prompt, the
 * negative prompt and the {@code key: value} pairs of the last line, in order, unquoted. Values of the form
 * {@code 123x456} are kept whole here (webui splits them into {@code key-1}/{@code key-2}; see {@link #size}).
 *
 * @param prompt         prompt lines before {@code Negative prompt:}, each stripped, joined by newlines
 * @param negativePrompt the lines from {@code Negative prompt:} on, stripped, joined by newlines
 * @param fields         the parameters in first-seen order (a repeated key keeps its place and takes the last value)
 */
public record ParsedInfotext(String prompt, String negativePrompt, Map<String, String> fields) {

    /** Copies the fields (order kept). */
    public ParsedInfotext {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** The value of {@code key}. */
    public Optional<String> field(String key) {
        return Optional.ofNullable(fields.get(key));
    }

    /** A {@code WxH} field ({@code "Size"}, {@code "Seed resize from"}) as {@code {w, h}}, if present and valid. */
    public Optional<int[]> size(String key) {
        String v = fields.get(key);
        int x = v == null ? -1 : v.indexOf('x');
        if (x <= 0 || !Infotext.isAsciiDigits(v, 0, x) || !Infotext.isAsciiDigits(v, x + 1, v.length())) {
            return Optional.empty();
        }
        try {
            return Optional.of(new int[] {Integer.parseInt(v, 0, x, 10), Integer.parseInt(v, x + 1, v.length(), 10)});
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
