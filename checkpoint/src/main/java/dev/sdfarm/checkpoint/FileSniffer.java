package dev.sdfarm.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/** Tells checkpoint formats apart by their first bytes. */
final class FileSniffer {
    enum Kind { SAFETENSORS, TORCH_ZIP, TORCH_LEGACY, UNKNOWN }

    /**
     * The legacy torch.save format starts with its magic number 0x1950a86a20f9469cfc6c pickled with protocol 2:
     * PROTO 2, LONG1 of 10 bytes, the bytes little-endian.
     */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c,
        0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private FileSniffer() {
    }

    private static boolean startsWith(ByteBuffer head, byte[] prefix) {
        if (head.remaining() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (head.get(i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static Kind sniff(FileChannel ch, long size) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(LEGACY_MAGIC.length, size)).order(ByteOrder.LITTLE_ENDIAN);
        while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
            // keep reading
        }
        head.flip();
        if (head.remaining() >= 4 && head.getInt(0) == 0x04034b50) {
            return Kind.TORCH_ZIP;
        }
        if (head.remaining() >= 9 && head.get(8) == '{') {
            return Kind.SAFETENSORS;
        }
        if (startsWith(head, LEGACY_MAGIC)) {
            return Kind.TORCH_LEGACY;
        }
        if (head.remaining() >= 8) {
            // A safetensors header whose first byte is not '{' is still reported by the strict parser,
            // which says exactly what is wrong.
            long n = head.getLong(0);
            if (n > 0 && n < size) {
                return Kind.SAFETENSORS;
            }
        }
        return Kind.UNKNOWN;
    }
}
