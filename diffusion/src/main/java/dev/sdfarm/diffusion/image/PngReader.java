package dev.sdfarm.diffusion.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes non-interlaced 8-bit RGB and RGBA PNG files (what AUTOMATIC1111 and this farm write) and their tEXt,
 * zTXt and iTXt chunks. Every CRC is checked, every length bounded; anything malformed, truncated, over the limits
 * or of another kind (palette, grey, 16-bit, interlaced) raises {@link PngFormatException} with the reason. Memory
 * use is bounded by the limits: chunk data is read in small pieces and pixel data is inflated straight into a
 * buffer of the announced size.
 *
 * <p>Immutable and thread-safe.
 */
public final class PngReader {
    /** Default pixel limit: 8192 x 8192. */
    public static final long DEFAULT_MAX_PIXELS = 8192L * 8192L;
    /** Default limit on the decoded text of all text chunks together (Pillow's {@code MAX_TEXT_MEMORY}). */
    public static final int DEFAULT_MAX_TEXT_BYTES = 64 << 20;

    private final long maxPixels;
    private final int maxTextBytes;

    private PngReader(long maxPixels, int maxTextBytes) {
        this.maxPixels = maxPixels;
        this.maxTextBytes = maxTextBytes;
    }

    /** A reader with the default limits. */
    public static PngReader defaults() {
        return new PngReader(DEFAULT_MAX_PIXELS, DEFAULT_MAX_TEXT_BYTES);
    }

    /**
     * A reader with the given limits.
     *
     * @param maxPixels    largest {@code width * height} accepted
     * @param maxTextBytes largest total of (decompressed) text chunk bytes accepted
     */
    public static PngReader withLimits(long maxPixels, int maxTextBytes) {
        if (maxPixels < 1 || maxTextBytes < 0) {
            throw new IllegalArgumentException("limits must be positive");
        }
        return new PngReader(maxPixels, maxTextBytes);
    }

    /** Decodes pixels and text. The stream is read up to the end of IEND and not closed. */
    public PngImage read(InputStream in) throws IOException {
        return new Decoding(in, true).run();
    }

    /** Decodes a whole file held in memory. */
    public PngImage read(byte[] png) throws PngFormatException {
        try {
            return read(new java.io.ByteArrayInputStream(png));
        } catch (PngFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new PngFormatException(e.getMessage(), e);
        }
    }

    /** Reads the header and text chunks, checking CRCs but not inflating the pixels ({@code raster()} is null). */
    public PngImage readText(InputStream in) throws IOException {
        return new Decoding(in, false).run();
    }

    /** One decoding pass. */
    private final class Decoding {
        private final InputStream in;
        private final boolean pixels;
        private final CRC32 crc = new CRC32();
        private final byte[] scratch = new byte[8192];
        private final List<PngText> texts = new ArrayList<>();
        private long textBytes;
        private int width;
        private int height;
        private PixelFormat format;
        private byte[] raw;
        private int rawFill;
        private Inflater inflater;
        private boolean idatSeen;
        private boolean idatEnded;

        Decoding(InputStream in, boolean pixels) {
            this.in = Objects.requireNonNull(in, "in");
            this.pixels = pixels;
        }

        PngImage run() throws IOException {
            try {
                byte[] sig = new byte[8];
                readFully(sig, 0, 8, "signature");
                if (!Arrays.equals(sig, PngChunks.SIGNATURE)) {
                    throw new PngFormatException("not a PNG file (bad signature)");
                }
                boolean first = true;
                while (true) {
                    byte[] head = new byte[8];
                    readFully(head, 0, 8, "chunk header");
                    long length = PngChunks.getInt(head, 0) & 0xFFFFFFFFL;
                    int type = PngChunks.getInt(head, 4);
                    String name = PngChunks.name(type);
                    if (length > Integer.MAX_VALUE) {
                        throw new PngFormatException("chunk " + name + " length " + length + " exceeds 2^31-1");
                    }
                    if (!validType(type)) {
                        throw new PngFormatException("invalid chunk type " + name);
                    }
                    if (first != (type == PngChunks.IHDR)) {
                        throw new PngFormatException(first ? "first chunk is " + name + ", not IHDR"
                                : "duplicate IHDR chunk");
                    }
                    first = false;
                    crc.reset();
                    crc.update(head, 4, 4);
                    if (idatSeen && type != PngChunks.IDAT) {
                        idatEnded = true;
                    }
                    if (type == PngChunks.IEND) {
                        if (length != 0) {
                            throw new PngFormatException("IEND chunk has length " + length);
                        }
                        checkCrc(name);
                        break;
                    } else if (type == PngChunks.IHDR) {
                        header(small((int) length, 13, 13, name));
                    } else if (type == PngChunks.IDAT) {
                        imageData((int) length);
                    } else if (type == PngChunks.TEXT || type == PngChunks.ZTXT || type == PngChunks.ITXT) {
                        text(type, (int) length, name);
                    } else if (type == PngChunks.PLTE || (type >>> 24 & 0x20) != 0) {
                        skip((int) length, name);
                    } else {
                        throw new PngFormatException("unsupported critical chunk " + name);
                    }
                }
                if (!idatSeen) {
                    throw new PngFormatException("no IDAT chunk");
                }
                Raster raster = null;
                if (pixels) {
                    if (!inflater.finished()) {
                        throw new PngFormatException("image data ends early (zlib stream incomplete, "
                                + rawFill + " of " + raw.length + " bytes)");
                    }
                    if (rawFill != raw.length) {
                        throw new PngFormatException("image data too short: " + rawFill + " of " + raw.length
                                + " bytes");
                    }
                    raster = unfilter();
                }
                return new PngImage(width, height, format, raster, texts);
            } finally {
                if (inflater != null) {
                    inflater.end();
                }
            }
        }

        private void header(byte[] d) throws PngFormatException {
            long w = PngChunks.getInt(d, 0) & 0xFFFFFFFFL;
            long h = PngChunks.getInt(d, 4) & 0xFFFFFFFFL;
            if (w == 0 || h == 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
                throw new PngFormatException("invalid image size " + w + "x" + h);
            }
            if (w * h > maxPixels) {
                throw new PngFormatException("image " + w + "x" + h + " exceeds the limit of " + maxPixels
                        + " pixels");
            }
            int depth = d[8] & 0xFF;
            int colorType = d[9] & 0xFF;
            if (d[10] != 0 || d[11] != 0) {
                throw new PngFormatException("unknown compression/filter method " + d[10] + "/" + d[11]);
            }
            if (d[12] != 0) {
                throw new PngFormatException(d[12] == 1 ? "interlaced (Adam7) PNG is not supported"
                        : "unknown interlace method " + d[12]);
            }
            if (depth != 8 || (colorType != 2 && colorType != 6)) {
                throw new PngFormatException("unsupported PNG kind: colour type " + colorType + ", bit depth "
                        + depth + " (only 8-bit RGB and RGBA are read)");
            }
            width = (int) w;
            height = (int) h;
            format = colorType == 2 ? PixelFormat.RGB : PixelFormat.RGBA;
            long rawSize = h * (1 + w * format.channels());
            if (rawSize > Integer.MAX_VALUE - 16) {
                throw new PngFormatException("image " + w + "x" + h + " is too large for one buffer");
            }
            if (pixels) {
                raw = new byte[(int) rawSize];
                inflater = new Inflater();
            }
        }

        private void imageData(int length) throws IOException {
            if (idatEnded) {
                throw new PngFormatException("IDAT chunks are not consecutive");
            }
            idatSeen = true;
            int left = length;
            while (left > 0) {
                int n = Math.min(left, scratch.length);
                readFully(scratch, 0, n, "IDAT");
                crc.update(scratch, 0, n);
                left -= n;
                if (pixels) {
                    inflate(n);
                }
            }
            checkCrc("IDAT");
        }

        private void inflate(int n) throws PngFormatException {
            if (inflater.finished()) {
                throw new PngFormatException("data after the end of the zlib stream in IDAT");
            }
            inflater.setInput(scratch, 0, n);
            try {
                while (!inflater.needsInput() && !inflater.finished()) {
                    if (rawFill == raw.length) {
                        byte[] probe = new byte[1];
                        if (inflater.inflate(probe) > 0) {
                            throw new PngFormatException("image data too long: more than " + raw.length
                                    + " bytes");
                        }
                        if (inflater.needsDictionary()) {
                            throw new PngFormatException("zlib preset dictionary in IDAT");
                        }
                        if (!inflater.finished() && !inflater.needsInput()) {
                            throw new PngFormatException("image data too long");
                        }
                        continue;
                    }
                    int got = inflater.inflate(raw, rawFill, raw.length - rawFill);
                    rawFill += got;
                    if (got == 0 && inflater.needsDictionary()) {
                        throw new PngFormatException("zlib preset dictionary in IDAT");
                    }
                }
            } catch (DataFormatException e) {
                throw new PngFormatException("corrupt zlib data in IDAT: " + e.getMessage(), e);
            }
            if (inflater.finished() && inflater.getRemaining() > 0) {
                throw new PngFormatException("data after the end of the zlib stream in IDAT");
            }
        }

        private Raster unfilter() throws PngFormatException {
            int bpp = format.channels();
            int rowBytes = width * bpp;
            int stride = rowBytes + 1;
            for (int y = 0; y < height; y++) {
                int at = y * stride;
                int type = raw[at] & 0xFF;
                if (!PngFilter.unapply(type, raw, at + 1, rowBytes, at + 1 - stride, y > 0, bpp)) {
                    throw new PngFormatException("invalid filter type " + type + " on row " + y);
                }
            }
            byte[] out = new byte[Math.multiplyExact(rowBytes, height)];
            for (int y = 0; y < height; y++) {
                System.arraycopy(raw, y * stride + 1, out, y * rowBytes, rowBytes);
            }
            raw = null;
            return new Raster(width, height, format, out);
        }

        private void text(int type, int length, String name) throws IOException {
            if (textBytes + length > maxTextBytes) {
                throw new PngFormatException("text chunks exceed the limit of " + maxTextBytes + " bytes");
            }
            byte[] d = small(length, 0, Integer.MAX_VALUE, name);
            textBytes += length;
            int nul = indexOf(d, 0, 0);
            if (nul < 1 || nul > 79) {
                throw new PngFormatException(name + " chunk has an invalid keyword (length " + nul + ")");
            }
            String keyword = new String(d, 0, nul, StandardCharsets.ISO_8859_1);
            int at = nul + 1;
            if (type == PngChunks.TEXT) {
                String text = new String(d, at, d.length - at, StandardCharsets.ISO_8859_1);
                texts.add(new PngText(keyword, text, PngText.Kind.TEXT, "", ""));
            } else if (type == PngChunks.ZTXT) {
                if (at >= d.length || d[at] != 0) {
                    throw new PngFormatException("zTXt chunk has an unknown compression method");
                }
                byte[] text = inflateText(d, at + 1, name);
                texts.add(new PngText(keyword, new String(text, StandardCharsets.ISO_8859_1), PngText.Kind.ZTXT,
                        "", ""));
            } else {
                if (at + 2 > d.length) {
                    throw new PngFormatException("iTXt chunk too short");
                }
                int flag = d[at] & 0xFF;
                int method = d[at + 1] & 0xFF;
                if (flag > 1 || (flag == 1 && method != 0)) {
                    throw new PngFormatException("iTXt chunk has invalid compression flag/method " + flag + "/"
                            + method);
                }
                at += 2;
                int langEnd = indexOf(d, 0, at);
                int tkeyEnd = langEnd < 0 ? -1 : indexOf(d, 0, langEnd + 1);
                if (tkeyEnd < 0) {
                    throw new PngFormatException("iTXt chunk is missing its language or translated keyword");
                }
                byte[] body = flag == 1 ? inflateText(d, tkeyEnd + 1, name)
                        : Arrays.copyOfRange(d, tkeyEnd + 1, d.length);
                try {
                    String language = Utf8.decode(d, at, langEnd - at);
                    String tkey = Utf8.decode(d, langEnd + 1, tkeyEnd - langEnd - 1);
                    String text = Utf8.decode(body, 0, body.length);
                    texts.add(new PngText(keyword, text, PngText.Kind.ITXT, language, tkey));
                } catch (CharacterCodingException e) {
                    throw new PngFormatException("iTXt chunk is not valid UTF-8", e);
                }
            }
        }

        private byte[] inflateText(byte[] d, int from, String name) throws PngFormatException {
            Inflater text = new Inflater();
            try {
                text.setInput(d, from, d.length - from);
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                while (!text.finished()) {
                    int n = text.inflate(buf);
                    if (n == 0 && (text.needsInput() || text.needsDictionary())) {
                        throw new PngFormatException(name + " chunk has truncated compressed text");
                    }
                    out.write(buf, 0, n);
                    textBytes += n;
                    if (textBytes > maxTextBytes) {
                        throw new PngFormatException("text chunks exceed the limit of " + maxTextBytes + " bytes");
                    }
                }
                return out.toByteArray();
            } catch (DataFormatException e) {
                throw new PngFormatException(name + " chunk has corrupt compressed text: " + e.getMessage(), e);
            } finally {
                text.end();
            }
        }

        /** Reads a whole chunk body of {@code min..max} bytes (already bounded by the caller) and its CRC. */
        private byte[] small(int length, int min, int max, String name) throws IOException {
            if (length < min || length > max) {
                throw new PngFormatException(name + " chunk has length " + length);
            }
            byte[] d = new byte[0];
            int fill = 0;
            while (fill < length) {
                int n = Math.min(length - fill, Math.max(8192, fill));
                d = Arrays.copyOf(d, fill + n);
                readFully(d, fill, n, name);
                fill += n;
            }
            crc.update(d, 0, length);
            checkCrc(name);
            return d;
        }

        private void skip(int length, String name) throws IOException {
            int left = length;
            while (left > 0) {
                int n = Math.min(left, scratch.length);
                readFully(scratch, 0, n, name);
                crc.update(scratch, 0, n);
                left -= n;
            }
            checkCrc(name);
        }

        private void checkCrc(String name) throws IOException {
            byte[] b = new byte[4];
            readFully(b, 0, 4, name + " CRC");
            int stored = PngChunks.getInt(b, 0);
            if (stored != (int) crc.getValue()) {
                throw new PngFormatException(String.format("CRC mismatch in %s chunk (stored %08x, computed %08x)",
                        name, stored, (int) crc.getValue()));
            }
        }

        private void readFully(byte[] b, int off, int len, String what) throws IOException {
            int done = 0;
            while (done < len) {
                int n = in.read(b, off + done, len - done);
                if (n < 0) {
                    throw new PngFormatException("truncated PNG: end of stream in " + what,
                            new EOFException());
                }
                done += n;
            }
        }
    }

    private static boolean validType(int type) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            int c = type >>> shift & 0xFF;
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] d, int value, int from) {
        for (int i = from; i < d.length; i++) {
            if (d[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
