package dev.sdfarm.checkpoint.pickle;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Python {@code bytes} (and {@code bytearray}, read as bytes): an immutable byte string with value equality,
 * so it can be a dict key. The hash is cached because a hostile pickle may look the same key up many times.
 */
public final class PyBytes {
    private static final PyBytes EMPTY = new PyBytes(new byte[0]);

    private final byte[] bytes;
    private int hash;
    private boolean hashed;

    private PyBytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A byte string holding a copy of {@code bytes}. */
    public static PyBytes of(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new PyBytes(bytes.clone());
    }

    /** Wraps an array the caller hands over and never modifies again. */
    static PyBytes wrap(byte[] bytes) {
        return bytes.length == 0 ? EMPTY : new PyBytes(bytes);
    }

    public static PyBytes empty() {
        return EMPTY;
    }

    public int length() {
        return bytes.length;
    }

    public byte get(int index) {
        return bytes[index];
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The bytes without copying, for code in this package that only reads them. */
    byte[] array() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PyBytes b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
        if (!hashed) {
            hash = PyValues.strongHash(bytes);
            hashed = true;
        }
        return hash;
    }

    @Override
    public String toString() {
        int shown = Math.min(bytes.length, 32);
        return "b'" + HexFormat.of().formatHex(bytes, 0, shown) + (shown < bytes.length ? "...'" : "'")
                + " (" + bytes.length + " bytes)";
    }
}
