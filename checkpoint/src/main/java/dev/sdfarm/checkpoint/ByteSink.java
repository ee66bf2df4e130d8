package dev.sdfarm.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a writer sends output bytes. Implementations write everything between the buffer's position and
 * limit (advancing the position to the limit) and may hash or checksum what passes through.
 */
@FunctionalInterface
public interface ByteSink {
    void write(ByteBuffer bytes) throws IOException;
}
