package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;

/** Positional reads from an archive of known size, from a file channel or any seekable channel. */
abstract class ArchiveInput {
    private final long size;

    ArchiveInput(long size) {
        this.size = size;
    }

    long size() {
        return size;
    }

    /** Fills {@code dst} from {@code pos}; a short file is reported as a truncated archive. */
    final void readFully(long pos, ByteBuffer dst, String what) throws IOException {
        if (pos < 0 || pos > size || dst.remaining() > size - pos) {
            throw new CheckpointException("the archive ends inside " + what + "; it is truncated",
                    "byte " + pos, "Download the file again");
        }
        long p = pos;
        while (dst.hasRemaining()) {
            int n = read(p, dst);
            if (n < 0) {
                throw new CheckpointException("the file is shorter than its size while reading " + what,
                        "byte " + p, "Download the file again");
            }
            p += n;
        }
    }

    final byte[] readBytes(long pos, int length, String what) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        readFully(pos, b, what);
        return b.array();
    }

    abstract int read(long pos, ByteBuffer dst) throws IOException;

    static ArchiveInput of(FileChannel ch, long size) {
        return new ArchiveInput(size) {
            @Override
            int read(long pos, ByteBuffer dst) throws IOException {
                return ch.read(dst, pos);
            }
        };
    }

    static ArchiveInput of(SeekableByteChannel ch, long size) {
        return new ArchiveInput(size) {
            @Override
            int read(long pos, ByteBuffer dst) throws IOException {
                ch.position(pos);
                return ch.read(dst);
            }
        };
    }
}
