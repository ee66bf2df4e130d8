package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a zip archive of stored (uncompressed) entries strictly sequentially, so the caller can hash the
 * output as it goes: sizes are known up front, and each entry's CRC-32 follows its data in a data descriptor.
 *
 * <p>Entry data is aligned to 64 bytes with padding in an {@code FB} extra field of the local header, as torch's
 * writer does, so a reader can map tensors in place. ZIP64 records are written where sizes, offsets or the entry
 * count need them; the thresholds can be lowered to exercise them on small archives.
 */
final class ZipStreamWriter {
    static final int ALIGNMENT = 64;
    /** Sizes and offsets at or above this need ZIP64 (0xFFFFFFFF itself marks a ZIP64 field). */
    static final long ZIP64_SIZE_LIMIT = 0xffffffffL;
    /** Entry counts at or above this need ZIP64. */
    static final int ZIP64_COUNT_LIMIT = 0xffff;

    private static final int FLAGS = 0x0808; // bit 3: sizes and CRC in a data descriptor; bit 11: UTF-8 names
    private static final int DOS_DATE = 0x0021; // 1980-01-01, fixed so output is reproducible
    private static final int VERSION_MADE_BY = 0x0300 | 45; // Unix, zip 4.5
    private static final int PADDING_FIELD = 0x4246; // "FB", as torch names it

    private record Written(byte[] name, int crc, long size, long offset, boolean zip64Sizes) {
    }

    private final ByteSink sink;
    private final long sizeLimit;
    private final long countLimit;
    private final List<Written> written = new ArrayList<>();
    private long position;
    private boolean finished;

    ZipStreamWriter(ByteSink sink) {
        this(sink, ZIP64_SIZE_LIMIT, ZIP64_COUNT_LIMIT);
    }

    /** With lowered ZIP64 thresholds, for tests of the ZIP64 records on small archives. */
    ZipStreamWriter(ByteSink sink, long sizeLimit, long countLimit) {
        this.sink = sink;
        this.sizeLimit = sizeLimit;
        this.countLimit = countLimit;
    }

    /** Bytes written so far. */
    long position() {
        return position;
    }

    void add(String name, byte[] data) throws IOException {
        add(name, new TensorData() {
            @Override
            public long byteSize() {
                return data.length;
            }

            @Override
            public void writeTo(ByteSink out) throws IOException {
                out.write(ByteBuffer.wrap(data));
            }
        });
    }

    void add(String name, TensorData data) throws IOException {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 0xffff) {
            throw new IllegalArgumentException("entry name too long: " + name);
        }
        long size = data.byteSize();
        long offset = position;
        boolean zip64Sizes = size >= sizeLimit;

        int zip64Extra = zip64Sizes ? 20 : 0;
        long unpadded = offset + 30 + nameBytes.length + zip64Extra + 4;
        int padding = (int) ((ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT);
        ByteBuffer h = le(30 + nameBytes.length + zip64Extra + 4 + padding);
        h.putInt(ZipDirectory.LOCAL_HEADER);
        h.putShort((short) (zip64Sizes ? 45 : 20));
        h.putShort((short) FLAGS);
        h.putShort((short) 0); // stored
        h.putShort((short) 0);
        h.putShort((short) DOS_DATE);
        h.putInt(0); // CRC: in the data descriptor
        // With a ZIP64 extra, the 32-bit sizes say "see the extra field"; the real values follow the data.
        h.putInt(zip64Sizes ? -1 : 0);
        h.putInt(zip64Sizes ? -1 : 0);
        h.putShort((short) nameBytes.length);
        h.putShort((short) (zip64Extra + 4 + padding));
        h.put(nameBytes);
        if (zip64Sizes) {
            h.putShort((short) ZipDirectory.ZIP64_EXTRA);
            h.putShort((short) 16);
            h.putLong(0);
            h.putLong(0);
        }
        h.putShort((short) PADDING_FIELD);
        h.putShort((short) padding);
        for (int i = 0; i < padding; i++) {
            h.put((byte) 'Z');
        }
        emit(h.flip());

        CrcCounter counter = new CrcCounter();
        data.writeTo(counter);
        if (counter.count != size) {
            throw new IOException("entry " + name + ": its data wrote " + counter.count + " bytes but declared "
                    + size);
        }
        int crc = (int) counter.crc.getValue();
        ByteBuffer d = le(zip64Sizes ? 24 : 16);
        d.putInt(ZipDirectory.DATA_DESCRIPTOR);
        d.putInt(crc);
        if (zip64Sizes) {
            d.putLong(size);
            d.putLong(size);
        } else {
            d.putInt((int) size);
            d.putInt((int) size);
        }
        emit(d.flip());
        written.add(new Written(nameBytes, crc, size, offset, zip64Sizes));
    }

    /** Writes the central directory and end records; returns the archive's total size. */
    long finish() throws IOException {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        finished = true;
        long cdOffset = position;
        for (Written w : written) {
            boolean bigSize = w.size >= sizeLimit;
            boolean bigOffset = w.offset >= sizeLimit;
            int extra = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
            ByteBuffer c = le(46 + w.name.length + (extra > 0 ? 4 + extra : 0));
            c.putInt(ZipDirectory.CENTRAL_HEADER);
            c.putShort((short) VERSION_MADE_BY);
            c.putShort((short) (extra > 0 || w.zip64Sizes ? 45 : 20));
            c.putShort((short) FLAGS);
            c.putShort((short) 0);
            c.putShort((short) 0);
            c.putShort((short) DOS_DATE);
            c.putInt(w.crc);
            c.putInt(bigSize ? -1 : (int) w.size);
            c.putInt(bigSize ? -1 : (int) w.size);
            c.putShort((short) w.name.length);
            c.putShort((short) (extra > 0 ? 4 + extra : 0));
            c.putShort((short) 0); // comment
            c.putShort((short) 0); // disk
            c.putShort((short) 0); // internal attributes
            c.putInt(0644 << 16); // external attributes: a regular file, rw-r--r--
            c.putInt(bigOffset ? -1 : (int) w.offset);
            c.put(w.name);
            if (extra > 0) {
                c.putShort((short) ZipDirectory.ZIP64_EXTRA);
                c.putShort((short) extra);
                if (bigSize) {
                    c.putLong(w.size);
                    c.putLong(w.size);
                }
                if (bigOffset) {
                    c.putLong(w.offset);
                }
            }
            emit(c.flip());
        }
        long cdSize = position - cdOffset;
        long count = written.size();
        boolean bigCount = count >= countLimit;
        boolean bigCdSize = cdSize >= sizeLimit;
        boolean bigCdOffset = cdOffset >= sizeLimit;
        if (bigCount || bigCdSize || bigCdOffset) {
            long z64Offset = position;
            ByteBuffer z = le(56 + 20);
            z.putInt(ZipDirectory.ZIP64_END_OF_CENTRAL_DIRECTORY);
            z.putLong(44);
            z.putShort((short) VERSION_MADE_BY);
            z.putShort((short) 45);
            z.putInt(0);
            z.putInt(0);
            z.putLong(count);
            z.putLong(count);
            z.putLong(cdSize);
            z.putLong(cdOffset);
            z.putInt(ZipDirectory.ZIP64_LOCATOR);
            z.putInt(0);
            z.putLong(z64Offset);
            z.putInt(1);
            emit(z.flip());
        }
        ByteBuffer e = le(22);
        e.putInt(ZipDirectory.END_OF_CENTRAL_DIRECTORY);
        e.putShort((short) 0);
        e.putShort((short) 0);
        e.putShort((short) (bigCount ? 0xffff : count));
        e.putShort((short) (bigCount ? 0xffff : count));
        e.putInt(bigCdSize ? -1 : (int) cdSize);
        e.putInt(bigCdOffset ? -1 : (int) cdOffset);
        e.putShort((short) 0);
        emit(e.flip());
        return position;
    }

    private void emit(ByteBuffer b) throws IOException {
        int n = b.remaining();
        sink.write(b);
        if (b.hasRemaining()) {
            throw new IOException("the output sink did not take all bytes");
        }
        position += n;
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Passes entry data through to the sink, computing its CRC-32 and length on the way. */
    private final class CrcCounter implements ByteSink {
        final CRC32 crc = new CRC32();
        long count;

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            int n = bytes.remaining();
            crc.update(bytes.duplicate());
            emit(bytes);
            count += n;
        }
    }
}
