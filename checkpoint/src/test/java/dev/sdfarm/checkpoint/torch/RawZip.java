package dev.sdfarm.checkpoint.torch;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes plain zip archives with full control over every field, including wrong ones, so tests can build the
 * malformed and unusual archives the reader must handle.
 */
final class RawZip {
    /** One entry; fields may be changed after {@link #add} to make it inconsistent. */
    static final class Entry {
        String name;
        byte[] data;
        int method;
        int flags = 0x0800;
        long size;
        long centralCompressedSize = -1;
        long centralSize = -1;
        Integer crc;

        byte[] stored() {
            if (method != 8) {
                return data;
            }
            Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            d.end();
            return out.toByteArray();
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    byte[] trailing = new byte[0];

    RawZip add(String name, byte[] data) {
        return add(name, data, e -> {
        });
    }

    RawZip add(String name, byte[] data, Consumer<Entry> tweak) {
        Entry e = new Entry();
        e.name = name;
        e.data = data;
        e.size = data.length;
        tweak.accept(e);
        entries.add(e);
        return this;
    }

    RawZip remove(String name) {
        entries.removeIf(e -> e.name.equals(name));
        return this;
    }

    byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Long> offsets = new ArrayList<>();
        List<byte[]> stored = new ArrayList<>();
        for (Entry e : entries) {
            byte[] body = e.stored();
            stored.add(body);
            offsets.add((long) out.size());
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
            ByteBuffer h = le(30 + name.length);
            h.putInt(0x04034b50).putShort((short) 20).putShort((short) e.flags).putShort((short) e.method)
                    .putShort((short) 0).putShort((short) 0x21).putInt(crc(e)).putInt(body.length)
                    .putInt((int) e.size).putShort((short) name.length).putShort((short) 0).put(name);
            out.writeBytes(h.array());
            out.writeBytes(body);
        }
        long cdOffset = out.size();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
            ByteBuffer c = le(46 + name.length);
            c.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) e.flags)
                    .putShort((short) e.method).putShort((short) 0).putShort((short) 0x21).putInt(crc(e))
                    .putInt((int) (e.centralCompressedSize >= 0 ? e.centralCompressedSize : stored.get(i).length))
                    .putInt((int) (e.centralSize >= 0 ? e.centralSize : e.size))
                    .putShort((short) name.length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt(offsets.get(i).intValue()).put(name);
            out.writeBytes(c.array());
        }
        long cdSize = out.size() - cdOffset;
        ByteBuffer eocd = le(22);
        eocd.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries.size())
                .putShort((short) entries.size()).putInt((int) cdSize).putInt((int) cdOffset).putShort((short) 0);
        out.writeBytes(eocd.array());
        out.writeBytes(trailing);
        return out.toByteArray();
    }

    private static int crc(Entry e) {
        if (e.crc != null) {
            return e.crc;
        }
        CRC32 c = new CRC32();
        c.update(e.data);
        return (int) c.getValue();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
