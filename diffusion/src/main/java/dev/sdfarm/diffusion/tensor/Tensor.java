package dev.sdfarm.diffusion.tensor;

import dev.sdfarm.checkpoint.DType;

/**
 * A tensor that lives on one {@link Backend}: its memory is the backend's (host memory or a memory-mapped
 * file on the CPU, device memory on a GPU). Graph code never touches elements directly; it passes tensors to
 * backend operations and reads results back with {@link Backend#toFloats}. Activations are fp32; weights
 * keep their stored type (fp32, fp16 or bf16) and are widened inside the kernels.
 */
public interface Tensor extends AutoCloseable {
    Shape shape();

    DType dtype();

    Backend backend();

    /** Dimension {@code i}; negative indices count from the end. */
    default int dim(int i) {
        return shape().dim(i);
    }

    /** Releases the tensor's memory early; the garbage collector also does it on the CPU. */
    @Override
    default void close() {
    }
}
