package dev.sdfarm.diffusion.cpu;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;

/** A tensor of the CPU backend: fp32 values on the heap, or weights in a memory-mapped checkpoint. */
abstract sealed class CpuTensor implements Tensor permits HostTensor, MappedWeights {
    private final CpuBackend backend;
    private final Shape shape;

    CpuTensor(CpuBackend backend, Shape shape) {
        this.backend = backend;
        this.shape = shape;
    }

    @Override
    public final Shape shape() {
        return shape;
    }

    @Override
    public final Backend backend() {
        return backend;
    }

    /** Writes elements {@code [from, from + n)} (flat, row-major) as fp32 into {@code dst[off..]}. */
    abstract void decode(long from, float[] dst, int off, int n);

    /** All elements as fp32: the backing array for host tensors, a decoded copy for weights. */
    abstract float[] floats();

    /** The same storage under another shape. */
    abstract CpuTensor view(Shape shape);

    @Override
    public String toString() {
        return dtype() + shape().toString();
    }

    static DType requireSupported(DType dtype, String what) {
        return switch (dtype) {
            case F32, F16, BF16 -> dtype;
            default -> throw new IllegalArgumentException(what + " has dtype " + dtype
                    + "; the engine reads fp32, fp16 and bf16 weights");
        };
    }
}
