package dev.sdfarm.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Tensor bytes already in memory: small generated tensors (position ids, test data). */
public record InMemoryTensorData(byte[] bytes) implements TensorData {
    @Override
    public long byteSize() {
        return bytes.length;
    }

    @Override
    public void writeTo(ByteSink sink) throws IOException {
        sink.write(ByteBuffer.wrap(bytes).asReadOnlyBuffer());
    }

    /** A whole-storage output tensor over these bytes. */
    public static OutputTensor tensor(String name, DType dtype, long[] shape, byte[] bytes) {
        return OutputTensor.whole(name, shape,
                new OutputStorage(name, dtype, StoredTensor.numel(shape), new InMemoryTensorData(bytes)));
    }
}
