package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.channels.FileChannel;

/** Reads torch zip archives through the restricted unpickler. (Placeholder until the reader lands.) */
public final class TorchArchiveReader {
    private TorchArchiveReader() {
    }

    public static TorchContents read(FileChannel channel, long size) throws IOException {
        throw new CheckpointException("torch archives are not supported yet", null, null);
    }
}
