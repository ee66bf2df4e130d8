package dev.sdfarm.diffusion.cpu;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.diffusion.tensor.Shape;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Weights read in place from a memory-mapped checkpoint, in their stored type (fp32, fp16 or bf16). Kernels
 * widen rows to fp32 as they need them, so a model costs no heap beyond the page cache.
 */
final class MappedWeights extends CpuTensor {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment bytes;
    private final DType dtype;

    MappedWeights(CpuBackend backend, Shape shape, MemorySegment bytes, DType dtype) {
        super(backend, shape);
        this.dtype = requireSupported(dtype, "weight");
        if (bytes.byteSize() != shape.numel() * dtype.size()) {
            throw new IllegalArgumentException(bytes.byteSize() + " bytes for " + dtype + shape);
        }
        this.bytes = bytes;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    void decode(long from, float[] dst, int off, int n) {
        switch (dtype) {
            case F16 -> {
                long at = from * 2;
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float.float16ToFloat(bytes.get(HALF, at + 2L * i));
                }
            }
            case BF16 -> {
                long at = from * 2;
                for (int i = 0; i < n; i++) {
                    dst[off + i] = Float.intBitsToFloat(bytes.get(HALF, at + 2L * i) << 16);
                }
            }
            default -> MemorySegment.copy(bytes, FLOAT, from * 4, dst, off, n);
        }
    }

    @Override
    float[] floats() {
        float[] out = new float[Math.toIntExact(shape().numel())];
        decode(0, out, 0, out.length);
        return out;
    }

    @Override
    CpuTensor view(Shape shape) {
        return new MappedWeights((CpuBackend) backend(), shape().reshape(shape.toArray()), bytes, dtype);
    }
}
