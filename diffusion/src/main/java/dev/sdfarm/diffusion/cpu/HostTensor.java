package dev.sdfarm.diffusion.cpu;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.diffusion.tensor.Shape;

/** fp32 values in a heap array: every activation of the CPU backend. */
final class HostTensor extends CpuTensor {
    final float[] data;

    HostTensor(CpuBackend backend, Shape shape, float[] data) {
        super(backend, shape);
        if (data.length != shape.numel()) {
            throw new IllegalArgumentException(data.length + " values for shape " + shape);
        }
        this.data = data;
    }

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    void decode(long from, float[] dst, int off, int n) {
        System.arraycopy(data, Math.toIntExact(from), dst, off, n);
    }

    @Override
    float[] floats() {
        return data;
    }

    @Override
    CpuTensor view(Shape shape) {
        return new HostTensor((CpuBackend) backend(), this.shape().reshape(shape.toArray()), data);
    }
}
