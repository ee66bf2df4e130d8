package dev.sdfarm.diffusion.cpu;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.diffusion.tensor.Shape;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Weights read in place from a memory-mapped checkpoint, in their stored type: one small subclass per storage
 * type knows how to widen its elements to fp32. Kernels widen rows as they need them, so a model costs no heap
 * beyond the page cache.
 */
abstract sealed class MappedWeights extends CpuTensor {
    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final MemorySegment bytes;
    private final DType dtype;

    private MappedWeights(CpuBackend backend, Shape shape, MemorySegment bytes, DType dtype) {
        super(backend, shape);
        if (bytes.byteSize() != shape.numel() * dtype.size()) {
            throw new IllegalArgumentException(bytes.byteSize() + " bytes for " + dtype + shape);
        }
        this.bytes = bytes;
        this.dtype = dtype;
    }

    @Override
    public final DType dtype() {
        return dtype;
    }

    /** Weights of {@code dtype} (fp32, fp16 or bf16) over {@code bytes}. */
    static MappedWeights of(CpuBackend backend, Shape shape, MemorySegment bytes, DType dtype) {
        return switch (requireSupported(dtype, "weight")) {
            case F16 -> new F16(backend, shape, bytes);
            case BF16 -> new BF16(backend, shape, bytes);
            default -> new F32(backend, shape, bytes);
        };
    }

    @Override
    final float[] floats() {
        float[] out = new float[Math.toIntExact(shape().numel())];
        decode(0, out, 0, out.length);
        return out;
    }

    @Override
    final CpuTensor view(Shape shape) {
        return of((CpuBackend) backend(), shape().reshape(shape.toArray()), bytes, dtype());
    }

    static final class F32 extends MappedWeights {
        F32(CpuBackend backend, Shape shape, MemorySegment bytes) {
            super(backend, shape, bytes, DType.F32);
        }

        @Override
        void decode(long from, float[] dst, int off, int n) {
            MemorySegment.copy(bytes, FLOAT, from * 4, dst, off, n);
        }
    }

    /** IEEE half precision, widened with the {@link Float#float16ToFloat} intrinsic. */
    static final class F16 extends MappedWeights {
        F16(CpuBackend backend, Shape shape, MemorySegment bytes) {
            super(backend, shape, bytes, DType.F16);
        }

        @Override
        void decode(long from, float[] dst, int off, int n) {
            long at = from * 2;
            for (int i = 0; i < n; i++) {
                dst[off + i] = Float.float16ToFloat(bytes.get(HALF, at + 2L * i));
            }
        }
    }

    /** bfloat16: the top half of an fp32, widened by a shift. */
    static final class BF16 extends MappedWeights {
        BF16(CpuBackend backend, Shape shape, MemorySegment bytes) {
            super(backend, shape, bytes, DType.BF16);
        }

        @Override
        void decode(long from, float[] dst, int off, int n) {
            long at = from * 2;
            for (int i = 0; i < n; i++) {
                dst[off + i] = Float.intBitsToFloat(bytes.get(HALF, at + 2L * i) << 16);
            }
        }
    }
}
