package dev.sdfarm.checkpoint;

import java.io.IOException;

/**
 * The bytes of a tensor or storage about to be written, produced on demand so that a conversion streams
 * one chunk at a time instead of holding tensors in memory.
 */
public interface TensorData {
    /** Exactly how many bytes {@link #writeTo} will emit. */
    long byteSize();

    /** Emits the bytes, in order, in chunks of the implementation's choosing. */
    void writeTo(ByteSink sink) throws IOException;
}
