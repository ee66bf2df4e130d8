package dev.sdfarm.checkpoint.json;

import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * Writes Java values as JSON: {@code Map} (keys as strings, in iteration order), {@code Collection},
 * arrays of {@code long}/{@code int}, {@code CharSequence}, {@code Number}, {@code Boolean}, and null.
 * Non-finite doubles are written as {@code null}. Output is deterministic for deterministic input.
 */
public final class JsonWriter {
    private JsonWriter() {
    }

    /** Compact JSON on one line. */
    public static String compact(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, -1, 0);
        return sb.toString();
    }

    /** Indented JSON (two spaces), for humans and diffs. */
    public static String pretty(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 2, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent, int level) {
        if (v == null || v == StrictJson.NULL) {
            sb.append("null");
        } else if (v instanceof CharSequence s) {
            quote(sb, s);
        } else if (v instanceof Boolean b) {
            sb.append(b);
        } else if (v instanceof Double d) {
            appendDouble(sb, d);
        } else if (v instanceof Float f) {
            appendDouble(sb, f.doubleValue());
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
                || v instanceof BigInteger) {
            sb.append(v);
        } else if (v instanceof Number n) {
            appendDouble(sb, n.doubleValue());
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                newline(sb, indent, level + 1);
                quote(sb, String.valueOf(e.getKey()));
                sb.append(indent >= 0 ? ": " : ":");
                write(sb, e.getValue(), indent, level + 1);
            }
            if (!m.isEmpty()) {
                newline(sb, indent, level);
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            writeArray(sb, c.toArray(), indent, level);
        } else if (v instanceof long[] a) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                sb.append(i == 0 ? "" : ",").append(a[i]);
            }
            sb.append(']');
        } else if (v instanceof int[] a) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                sb.append(i == 0 ? "" : ",").append(a[i]);
            }
            sb.append(']');
        } else if (v instanceof Object[] a) {
            writeArray(sb, a, indent, level);
        } else {
            quote(sb, v.toString());
        }
    }

    private static void writeArray(StringBuilder sb, Object[] items, int indent, int level) {
        sb.append('[');
        boolean scalars = true;
        for (Object o : items) {
            if (o instanceof Map || o instanceof Collection || o instanceof Object[]) {
                scalars = false;
                break;
            }
        }
        for (int i = 0; i < items.length; i++) {
            if (i > 0) {
                sb.append(',');
                if (scalars && indent >= 0) {
                    sb.append(' ');
                }
            }
            if (!scalars) {
                newline(sb, indent, level + 1);
            }
            write(sb, items[i], indent, level + 1);
        }
        if (!scalars && items.length > 0) {
            newline(sb, indent, level);
        }
        sb.append(']');
    }

    private static void appendDouble(StringBuilder sb, double d) {
        if (!Double.isFinite(d)) {
            sb.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            sb.append((long) d).append(".0");
        } else {
            sb.append(d);
        }
    }

    private static void newline(StringBuilder sb, int indent, int level) {
        if (indent < 0) {
            return;
        }
        sb.append('\n');
        sb.append(" ".repeat(indent * level));
    }

    /** Appends {@code s} as a JSON string literal. */
    public static void quote(StringBuilder sb, CharSequence s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (Character.isSurrogate(c) && !validPair(s, i))) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static boolean validPair(CharSequence s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
