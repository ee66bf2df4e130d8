package dev.sdfarm.core.store;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The rules every object key follows, whatever the store: '/'-separated segments of letters, digits, '.', '_'
 * and '-', none empty and none starting with '.', at most 512 bytes. So a key can never climb out of a file
 * store's root or name one of its temporary files, and it means the same thing on S3.
 */
public final class ObjectKeys {
    public static final int MAX_LENGTH = 512;

    private ObjectKeys() {
    }

    /** {@code key} if it is valid, else an {@link IllegalArgumentException} that says what is wrong. */
    public static String require(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("object key is empty");
        }
        if (key.getBytes(StandardCharsets.UTF_8).length > MAX_LENGTH) {
            throw new IllegalArgumentException("object key is longer than " + MAX_LENGTH + " bytes");
        }
        int start = 0;
        while (true) {
            int slash = key.indexOf('/', start);
            int end = slash < 0 ? key.length() : slash;
            checkSegment(key, start, end);
            if (slash < 0) {
                return key;
            }
            start = slash + 1;
        }
    }

    /** A prefix to list: empty, or valid key segments ending in '/'. */
    public static String requirePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("object key prefix '" + prefix + "' must end with '/'");
        }
        require(prefix.substring(0, prefix.length() - 1));
        return prefix;
    }

    /** The media type a stored object is served with, from its extension. */
    public static String contentType(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".png")) {
            return "image/png";
        }
        if (lower.endsWith(".json")) {
            return "application/json";
        }
        return "application/octet-stream";
    }

    private static void checkSegment(String key, int start, int end) {
        if (start == end) {
            throw new IllegalArgumentException("object key '" + key + "' has an empty segment at " + start);
        }
        if (key.charAt(start) == '.') {
            throw new IllegalArgumentException("object key '" + key + "' has a segment starting with '.' at "
                    + start);
        }
        for (int i = start; i < end; i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-';
            if (!ok) {
                throw new IllegalArgumentException("object key '" + key + "' has a character not allowed in keys ("
                        + (c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : "'" + c + "'")
                        + ") at " + i + "; use letters, digits, '.', '_', '-' and '/'");
            }
        }
    }
}
