package dev.sdfarm.checkpoint.safetensors;

import dev.sdfarm.checkpoint.StoredTensor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Map;

/** Placeholder. */
public final class SafetensorsReader {
    private SafetensorsReader() {
    }

    /** A parsed header. */
    public record Header(List<StoredTensor> tensors, Map<String, String> metadata, long dataStart) {
    }

    public static Header readHeader(FileChannel ch, long size) throws IOException {
        throw new UnsupportedOperationException();
    }
}
