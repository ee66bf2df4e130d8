package dev.sdfarm.diffusion.image;

import dev.sdfarm.checkpoint.json.JsonWriter;

/** Python's {@code json.dumps(s, ensure_ascii=False)} and strict {@code json.loads} for one string. */
final class JsonString {
    private JsonString() {
    }

    /** As Python writes it, except that a lone surrogate is escaped rather than written raw. */
    static String dumps(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        JsonWriter.quote(sb, s);
        return sb.toString();
    }

    /** The decoded string when {@code text} is exactly one JSON string, else {@code null}. */
    static String loads(String text) {
        int n = text.length();
        if (n < 2 || text.charAt(0) != '"') {
            return null;
        }
        StringBuilder sb = new StringBuilder(n);
        int i = 1;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '"') {
                return i == n - 1 ? sb.toString() : null;
            }
            if (c < 0x20) {
                return null;
            }
            if (c != '\\') {
                sb.append(c);
                i++;
                continue;
            }
            if (i + 1 >= n) {
                return null;
            }
            char e = text.charAt(i + 1);
            i += 2;
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    int u = hex4(text, i);
                    if (u < 0) {
                        return null;
                    }
                    i += 4;
                    sb.append((char) u);
                }
                default -> {
                    return null;
                }
            }
        }
        return null;
    }

    private static int hex4(String s, int at) {
        if (at + 4 > s.length()) {
            return -1;
        }
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int d = Character.digit(s.charAt(at + k), 16);
            if (d < 0 || s.charAt(at + k) > 'f') {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }
}
