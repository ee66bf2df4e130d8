package dev.sdfarm.checkpoint.pickle;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked reads from an in-memory pickle. Every length is checked against the bytes that remain
 * before anything is allocated, so a corrupt length field fails instead of allocating gigabytes.
 */
final class PickleInput {
    /** Thrown on any out-of-bounds read; the unpickler turns it into a user-facing error. */
    static final class Truncated extends Exception {
        Truncated() {
            super(null, null, false, false);
        }
    }

    private final byte[] data;
    private final int end;
    private int pos;

    PickleInput(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IndexOutOfBoundsException("range outside array");
        }
        this.data = data;
        this.pos = offset;
        this.end = offset + length;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    boolean atEnd() {
        return pos >= end;
    }

    int u8() throws Truncated {
        if (pos >= end) {
            throw new Truncated();
        }
        return data[pos++] & 0xff;
    }

    int u16() throws Truncated {
        require(2);
        int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8;
        pos += 2;
        return v;
    }

    int s32() throws Truncated {
        require(4);
        int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff) << 16
                | (data[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    long u32() throws Truncated {
        return s32() & 0xffffffffL;
    }

    long s64() throws Truncated {
        long lo = u32();
        long hi = u32();
        return lo | hi << 32;
    }

    /** An 8-byte big-endian IEEE double (BINFLOAT). */
    double f64be() throws Truncated {
        require(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (data[pos + i] & 0xff);
        }
        pos += 8;
        return Double.longBitsToDouble(v);
    }

    /** {@code n} bytes; {@code n} must already be known not to be negative. */
    byte[] bytes(long n) throws Truncated {
        if (n < 0 || n > remaining()) {
            throw new Truncated();
        }
        byte[] b = new byte[(int) n];
        System.arraycopy(data, pos, b, 0, (int) n);
        pos += (int) n;
        return b;
    }

    /** Decodes {@code n} bytes as strict UTF-8; null when they are not valid UTF-8. */
    String utf8(long n) throws Truncated {
        if (n < 0 || n > remaining()) {
            throw new Truncated();
        }
        String s = decodeUtf8(data, pos, (int) n);
        pos += (int) n;
        return s;
    }

    static String decodeUtf8(byte[] b, int off, int len) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b, off, len))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * The bytes up to the next newline (which is consumed, not returned); null when no newline follows within
     * {@code max} bytes although the input goes on.
     */
    byte[] line(int max) throws Truncated {
        int limit = (int) Math.min(end, (long) pos + max + 1);
        for (int i = pos; i < limit; i++) {
            if (data[i] == '\n') {
                byte[] b = new byte[i - pos];
                System.arraycopy(data, pos, b, 0, b.length);
                pos = i + 1;
                return b;
            }
        }
        if (limit >= end) {
            throw new Truncated();
        }
        return null;
    }

    void skip(long n) throws Truncated {
        if (n < 0 || n > remaining()) {
            throw new Truncated();
        }
        pos += (int) n;
    }

    private void require(int n) throws Truncated {
        if (end - pos < n) {
            throw new Truncated();
        }
    }
}
