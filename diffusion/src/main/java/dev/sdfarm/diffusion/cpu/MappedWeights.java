package dev.sdfarm.diffusion.cpu;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.dtype.PrecisionCast;
import dev.sdfarm.diffusion.tensor.Shape;
import java.lang.foreign.MemorySegment;

/**
 * Weights read in place from a memory-mapped checkpoint, in their stored type (fp32, fp16 or bf16). Kernels
 * widen rows to fp32 as they need them, so a model costs no heap beyond the page cache.
 */
final class MappedWeights extends CpuTensor {
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
        PrecisionCast.cast(bytes, from * dtype.size(), dtype, MemorySegment.ofArray(dst), (long) off * Float.BYTES,
                DType.F32, n);
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
