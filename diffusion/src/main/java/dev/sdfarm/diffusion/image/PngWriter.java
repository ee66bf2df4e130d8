package dev.sdfarm.diffusion.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.zip.Deflater;

/**
 * Encodes 8-bit RGB/RGBA images as non-interlaced PNG, with text chunks before the image data (where Pillow puts
 * the {@code PngInfo} chunks AUTOMATIC1111 adds). Immutable and thread-safe; each {@link #write} call uses its own
 * {@link Deflater}.
 *
 * <p>The writer only writes to the given stream and never closes it; writing to a temporary file and moving it in
 * place is the caller's business.
 */
public final class PngWriter {
    /** Bytes of compressed data per IDAT chunk. */
    private static final int IDAT_SIZE = 1 << 16;

    private final int level;
    private final PngFilter filter;

    private PngWriter(int level, PngFilter filter) {
        this.level = level;
        this.filter = filter;
    }

    /** Zlib level 6 (Pillow's default) with adaptive filtering. */
    public static PngWriter defaults() {
        return new PngWriter(6, PngFilter.ADAPTIVE);
    }

    /**
     * A writer with the given zlib level and filter choice.
     *
     * @param level  0 (stored) to 9 (smallest), or -1 for zlib's default
     * @param filter row filtering
     */
    public static PngWriter of(int level, PngFilter filter) {
        if (level < -1 || level > 9) {
            throw new IllegalArgumentException("zlib level must be -1..9: " + level);
        }
        return new PngWriter(level, Objects.requireNonNull(filter, "filter"));
    }

    /** The zlib level. */
    public int level() {
        return level;
    }

    /** The row filter choice. */
    public PngFilter filter() {
        return filter;
    }

    /**
     * Writes {@code image} with the AUTOMATIC1111 {@code parameters} text (omitted when {@code parameters} is
     * null), as {@code save_image_with_geninfo} does.
     */
    public void writeWithParameters(Raster image, String parameters, OutputStream out) throws IOException {
        write(image, parameters == null ? List.of() : List.of(PngText.of("parameters", parameters)), out);
    }

    /** Writes a PNG file of {@code image} with the text chunks, in order, to {@code out}. */
    public void write(Raster image, List<PngText> texts, OutputStream out) throws IOException {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(out, "out");
        out.write(PngChunks.SIGNATURE);
        byte[] ihdr = new byte[13];
        PngChunks.putInt(ihdr, 0, image.width());
        PngChunks.putInt(ihdr, 4, image.height());
        ihdr[8] = 8;
        ihdr[9] = (byte) image.format().colorType();
        PngChunks.writeChunk(out, PngChunks.IHDR, ihdr, 0, ihdr.length);
        for (PngText text : texts) {
            writeText(text, out);
        }
        writeImageData(image, out);
        PngChunks.writeChunk(out, PngChunks.IEND, new byte[0], 0, 0);
    }

    /** Encodes to a byte array. */
    public byte[] encode(Raster image, List<PngText> texts) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            write(image, texts, bytes);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    private void writeText(PngText text, OutputStream out) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.write(text.keywordBytes());
        data.write(0);
        switch (text.kind()) {
            case TEXT -> {
                data.write(text.text().getBytes(StandardCharsets.ISO_8859_1));
                emit(out, PngChunks.TEXT, data);
            }
            case ZTXT -> {
                data.write(0);
                data.write(deflate(text.text().getBytes(StandardCharsets.ISO_8859_1)));
                emit(out, PngChunks.ZTXT, data);
            }
            case ITXT -> {
                data.write(0);
                data.write(0);
                data.write(text.language().getBytes(StandardCharsets.UTF_8));
                data.write(0);
                data.write(text.translatedKeyword().getBytes(StandardCharsets.UTF_8));
                data.write(0);
                data.write(Utf8.encode(text.text()));
                emit(out, PngChunks.ITXT, data);
            }
            default -> throw new AssertionError();
        }
    }

    private static void emit(OutputStream out, int type, ByteArrayOutputStream data) throws IOException {
        byte[] bytes = data.toByteArray();
        PngChunks.writeChunk(out, type, bytes, 0, bytes.length);
    }

    private byte[] deflate(byte[] input) {
        Deflater deflater = new Deflater(level);
        try {
            deflater.setInput(input);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private void writeImageData(Raster image, OutputStream out) throws IOException {
        int rowBytes = image.rowBytes();
        int bpp = image.format().channels();
        byte[] prior = new byte[rowBytes];
        byte[] row = new byte[rowBytes];
        byte[] best = new byte[rowBytes + 1];
        byte[] trial = new byte[rowBytes + 1];
        byte[] chunk = new byte[IDAT_SIZE];
        int chunkFill = 0;
        Deflater deflater = new Deflater(level);
        try {
            byte[] pixels = image.pixels();
            for (int y = 0; y <= image.height(); y++) {
                if (y < image.height()) {
                    System.arraycopy(pixels, y * rowBytes, row, 0, rowBytes);
                    if (filter == PngFilter.ADAPTIVE) {
                        long bestCost = Long.MAX_VALUE;
                        for (int type = 0; type <= 4; type++) {
                            PngFilter.apply(type, row, prior, bpp, trial);
                            long cost = PngFilter.cost(trial);
                            if (cost < bestCost) {
                                bestCost = cost;
                                byte[] swap = best;
                                best = trial;
                                trial = swap;
                            }
                        }
                    } else {
                        PngFilter.apply(filter.type(), row, prior, bpp, best);
                    }
                    deflater.setInput(best);
                    byte[] swap = prior;
                    prior = row;
                    row = swap;
                } else {
                    deflater.finish();
                }
                while (y == image.height() ? !deflater.finished() : !deflater.needsInput()) {
                    int n = deflater.deflate(chunk, chunkFill, chunk.length - chunkFill);
                    chunkFill += n;
                    if (chunkFill == chunk.length) {
                        PngChunks.writeChunk(out, PngChunks.IDAT, chunk, 0, chunkFill);
                        chunkFill = 0;
                    }
                }
            }
            if (chunkFill > 0) {
                PngChunks.writeChunk(out, PngChunks.IDAT, chunk, 0, chunkFill);
            }
        } finally {
            deflater.end();
        }
    }
}
