package dev.sdfarm.diffusion.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AUTOMATIC1111's infotext, the {@code parameters} text of its PNGs (webui v1.10.1):
 * <pre>
 * prompt
 * Negative prompt: negative
 * Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, ...
 * </pre>
 * {@link #format} is {@code processing.create_infotext}; {@link #parse} is the part of
 * {@code infotext_utils.parse_generation_parameters} that reads the text (not the defaults, styles and
 * backward-compatibility settings it then adds).
 */
public final class Infotext {
    private Infotext() {
    }

    /**
     * The infotext of {@code p}, with the fields in {@code create_infotext}'s order: Steps, Sampler, Schedule type,
     * CFG scale, Seed, Size, Model hash, Model, Variation seed, Variation seed strength, Denoising strength, Clip
     * skip, ENSD, RNG, the extras, Version. Every key of {@code create_infotext}'s dictionary keeps its slot, so an
     * extra named like one of them ({@code "Tiling"}, {@code "Seed resize from"}, ...) is written at that slot.
     *
     * <p>Numbers are written as webui writes the values its UI sends: integers as integers, other floats as
     * Python's {@code repr} ({@code 7}, {@code 7.5}, {@code 0.35}).
     */
    public static String format(GenerationParameters p) {
        LinkedHashMap<String, String> f = new LinkedHashMap<>();
        f.put("Steps", Integer.toString(p.steps()));
        f.put("Sampler", p.sampler());
        f.put("Schedule type", p.scheduleType());
        f.put("CFG scale", number(p.cfgScale()));
        f.put("Image CFG scale", null);
        f.put("Seed", Long.toString(p.seed()));
        f.put("Face restoration", null);
        f.put("Size", p.width() + "x" + p.height());
        f.put("Model hash", p.modelHash());
        f.put("Model", p.modelName());
        f.put("FP8 weight", null);
        f.put("Cache FP16 weight for LoRA", null);
        f.put("VAE hash", null);
        f.put("VAE", null);
        boolean variation = p.variationStrength() != 0;
        f.put("Variation seed", variation ? Long.toString(p.variationSeed()) : null);
        f.put("Variation seed strength", variation ? number(p.variationStrength()) : null);
        f.put("Seed resize from", null);
        f.put("Denoising strength", p.denoisingStrength() == null ? null : number(p.denoisingStrength()));
        f.put("Conditional mask weight", null);
        f.put("Clip skip", p.clipSkip() <= 1 ? null : Integer.toString(p.clipSkip()));
        f.put("ENSD", p.ensd() == 0 ? null : Long.toString(p.ensd()));
        f.put("Token merging ratio", null);
        f.put("Token merging ratio hr", null);
        f.put("Init image hash", null);
        f.put("RNG", p.rng());
        f.put("Tiling", null);
        f.putAll(p.extra());
        f.put("Version", p.version());
        f.put("User", null);
        return format(p.prompt(), p.negativePrompt(), f);
    }

    /**
     * Joins prompt, negative prompt and fields as {@code create_infotext} does: {@code key: quote(value)} joined
     * by {@code ", "}, null values left out, a value equal to its key written alone; the negative prompt line only
     * when it is not empty; the whole stripped (Python {@code str.strip}).
     */
    public static String format(String prompt, String negativePrompt, Map<String, String> fields) {
        StringBuilder params = new StringBuilder();
        for (Map.Entry<String, String> e : fields.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            if (!params.isEmpty()) {
                params.append(", ");
            }
            if (e.getKey().equals(e.getValue())) {
                params.append(e.getKey());
            } else {
                params.append(e.getKey()).append(": ").append(quote(e.getValue()));
            }
        }
        String negative = negativePrompt == null || negativePrompt.isEmpty() ? "" : "\nNegative prompt: "
                + negativePrompt;
        return PyText.strip(prompt + negative + "\n" + params);
    }

    /** webui's {@code quote}: the value itself, or its JSON form when it contains a comma, newline or colon. */
    public static String quote(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('\n') < 0 && value.indexOf(':') < 0) {
            return value;
        }
        return JsonString.dumps(value);
    }

    /** webui's {@code unquote}: the JSON-decoded value when it is a valid JSON string in quotes, else as is. */
    public static String unquote(String value) {
        if (value.isEmpty() || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
            return value;
        }
        String decoded = JsonString.loads(value);
        return decoded == null ? value : decoded;
    }

    /**
     * Reads an infotext as {@code parse_generation_parameters} does: the last line is the parameter line when
     * webui's {@code re_param} finds at least three {@code key: value} pairs in it, otherwise it belongs to the
     * prompt; lines up to one starting with {@code Negative prompt:} form the prompt, the rest the negative
     * prompt; quoted values are unquoted; an empty value drops its key (webui's {@code v[0]} fails).
     */
    public static ParsedInfotext parse(String infotext) {
        String[] all = PyText.strip(infotext).split("\n", -1);
        String lastLine = all[all.length - 1];
        List<String[]> pairs = params(lastLine);
        int promptLines = all.length - 1;
        if (pairs.size() < 3) {
            promptLines = all.length;
            pairs = List.of();
        }
        StringBuilder prompt = new StringBuilder();
        StringBuilder negative = new StringBuilder();
        boolean doneWithPrompt = false;
        for (int i = 0; i < promptLines; i++) {
            String line = PyText.strip(all[i]);
            if (line.startsWith("Negative prompt:")) {
                doneWithPrompt = true;
                line = PyText.strip(line.substring(16));
            }
            StringBuilder target = doneWithPrompt ? negative : prompt;
            if (!target.isEmpty()) {
                target.append('\n');
            }
            target.append(line);
        }
        LinkedHashMap<String, String> fields = new LinkedHashMap<>();
        for (String[] kv : pairs) {
            String v = kv[1];
            if (v.isEmpty()) {
                continue;
            }
            if (v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
                v = unquote(v);
            }
            fields.put(kv[0], v);
        }
        return new ParsedInfotext(prompt.toString(), negative.toString(), fields);
    }

    /**
     * {@code re_param.findall(line)} for {@code \s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)}, written
     * out as a linear scan (the pattern cannot backtrack into a different match; see the comments).
     */
    static List<String[]> params(String s) {
        List<String[]> out = new ArrayList<>();
        int n = s.length();
        int p = 0;
        while (p < n) {
            int i = p;
            while (i < n && PyText.isSpace(s.charAt(i))) {
                i++;
            }
            int keyStart = i;
            if (i >= n || !PyText.isWord(s.codePointAt(i))) {
                p = Math.max(p + 1, i);
                continue;
            }
            i += Character.charCount(s.codePointAt(i));
            int tail = 0;
            while (i < n && isKeyChar(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
                tail++;
            }
            if (i >= n || s.charAt(i) != ':' || tail == 0) {
                // every start inside [p, i) stops at the same character: none can match
                p = Math.max(p + 1, i);
                continue;
            }
            String key = s.substring(keyStart, i);
            i++;
            while (i < n && PyText.isSpace(s.charAt(i))) {
                i++;
            }
            int end = quotedEnd(s, i);
            String value;
            if (end >= 0) {
                value = s.substring(i, end);
                i = end < n ? end + 1 : end;
            } else {
                int comma = s.indexOf(',', i);
                int stop = comma < 0 ? n : comma;
                value = s.substring(i, stop);
                i = comma < 0 ? n : comma + 1;
            }
            out.add(new String[] {key, value});
            p = i;
        }
        return out;
    }

    /**
     * The end (exclusive) of a quoted value {@code "(?:\\.|[^\\"])+"} at {@code i} that is followed by a comma or
     * the end of the line, or -1.
     */
    private static int quotedEnd(String s, int i) {
        int n = s.length();
        if (i >= n || s.charAt(i) != '"') {
            return -1;
        }
        int j = i + 1;
        int tokens = 0;
        while (j < n) {
            char c = s.charAt(j);
            if (c == '"') {
                break;
            }
            if (c == '\\') {
                if (j + 1 >= n || s.charAt(j + 1) == '\n') {
                    return -1;
                }
                j += Character.charCount(s.codePointAt(j + 1)) + 1;
            } else {
                j++;
            }
            tokens++;
        }
        if (j >= n || tokens == 0) {
            return -1;
        }
        j++;
        return j == n || s.charAt(j) == ',' ? j : -1;
    }

    private static boolean isKeyChar(int cp) {
        return cp == ' ' || cp == '-' || cp == '/' || PyText.isWord(cp);
    }

    /** Whether {@code s[from, to)} is non-empty and all decimal digits (Python's {@code \d}). */
    static boolean isAsciiDigits(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (Character.getType(s.charAt(i)) != Character.DECIMAL_DIGIT_NUMBER) {
                return false;
            }
        }
        return true;
    }

    /** Integral values as integers, others as Python's {@code repr(float)}. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return PyText.floatRepr(v);
    }
}
