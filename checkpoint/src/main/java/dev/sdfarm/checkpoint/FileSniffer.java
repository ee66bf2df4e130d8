package dev.sdfarm.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/** Tells checkpoint formats apart by their first bytes. */
final class FileSniffer {
    enum Kind { SAFETENSORS, TORCH_ZIP, TORCH_LEGACY, UNKNOWN }

    private FileSniffer() {
    }

    static Kind sniff(FileChannel ch, long size) throws IOException {
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(16, size)).order(ByteOrder.LITTLE_ENDIAN);
        while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
            // keep reading
        }
        head.flip();
        if (head.remaining() >= 4 && head.getInt(0) == 0x04034b50) {
            return Kind.TORCH_ZIP;
        }
        if (head.remaining() >= 2 && (head.get(0) & 0xff) == 0x80 && head.get(1) >= 2 && head.get(1) <= 5) {
            // A bare pickle: the legacy torch.save format starts with the pickled magic number.
            return Kind.TORCH_LEGACY;
        }
        if (head.remaining() >= 9 && head.get(8) == '{') {
            return Kind.SAFETENSORS;
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
