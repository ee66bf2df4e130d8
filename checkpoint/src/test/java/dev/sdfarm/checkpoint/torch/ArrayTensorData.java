package dev.sdfarm.checkpoint.torch;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.OutputStorage;
import dev.sdfarm.checkpoint.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;

/** Tensor bytes from an array, emitted in small chunks so writers see data arrive piecewise. */
final class ArrayTensorData implements TensorData {
    private final byte[] bytes;
    private final int chunk;

    ArrayTensorData(byte[] bytes, int chunk) {
        this.bytes = bytes;
        this.chunk = chunk;
    }

    @Override
    public long byteSize() {
        return bytes.length;
    }

    @Override
    public void writeTo(ByteSink sink) throws IOException {
        for (int off = 0; off < bytes.length; off += chunk) {
            sink.write(ByteBuffer.wrap(bytes, off, Math.min(chunk, bytes.length - off)));
        }
    }

    byte[] bytes() {
        return bytes;
    }

    /** A storage of random bytes (seeded), emitted 7 bytes at a time. */
    static OutputStorage random(String identity, DType dtype, long numel, long seed) {
        byte[] b = new byte[Math.toIntExact(numel * dtype.size())];
        new Random(seed).nextBytes(b);
        if (dtype == DType.BOOL) {
            for (int i = 0; i < b.length; i++) {
                b[i] &= 1;
            }
        }
        return new OutputStorage(identity, dtype, numel, new ArrayTensorData(b, 7));
    }

    static byte[] bytesOf(OutputStorage s) {
        return ((ArrayTensorData) s.data()).bytes;
    }
}
