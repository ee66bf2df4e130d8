package dev.sdfarm.diffusion.text;

import dev.sdfarm.checkpoint.json.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the reference fixtures that {@code diffusion/src/test/fixtures/text/make_fixtures.py} generated from
 * the upstream Python code (JSON lines, or whitespace-separated text tables).
 */
final class ReferenceFixtures {
    private static final String DIRECTORY = "/dev/sdfarm/diffusion/text/";

    private ReferenceFixtures() {
    }

    static String text(String name) {
        try (InputStream in = ReferenceFixtures.class.getResourceAsStream(DIRECTORY + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One map per non-empty line of a JSON-lines fixture. */
    static List<Map<String, Object>> jsonLines(String name) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String line : text(name).split("\n")) {
            if (!line.isEmpty()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> row = (Map<String, Object>) StrictJson.parse(line.getBytes(StandardCharsets.UTF_8));
                rows.add(row);
            }
        }
        return rows;
    }

    /** Non-comment lines of a text table, split on spaces. */
    static List<String[]> table(String name) {
        List<String[]> rows = new ArrayList<>();
        for (String line : text(name).split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                rows.add(line.split(" "));
            }
        }
        return rows;
    }

    static int[] ints(Object jsonArray) {
        List<?> list = (List<?>) jsonArray;
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact((Long) list.get(i));
        }
        return out;
    }

    /** A JSON number, or one of the strings the generator writes for non-finite floats. */
    static double number(Object json) {
        if (json instanceof Number n) {
            return n.doubleValue();
        }
        return switch ((String) json) {
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan" -> Double.NaN;
            default -> throw new IllegalArgumentException("not a number: " + json);
        };
    }

    /** A prompt quoted with Java escapes so that invisible characters show in failure messages. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F && cp != '"' && cp != '\\') {
                out.append((char) cp);
            } else if (cp == '"' || cp == '\\') {
                out.append('\\').append((char) cp);
            } else {
                out.append(String.format("\\u{%x}", cp));
            }
        });
        return out.append('"').toString();
    }
}
