package dev.sdfarm.checkpoint.anatomy;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * What anatomy needs to know of one tensor of a file: its key, dtype and shape (no data, no location).
 *
 * @param name  state-dict key
 * @param dtype element type as stored
 * @param shape dimensions; empty for a scalar
 */
public record TensorInfo(String name, DType dtype, long[] shape) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    public static TensorInfo of(StoredTensor t) {
        return new TensorInfo(t.name(), t.dtype(), t.shape());
    }

    /** A tensor as a checkpoint of {@code spec}'s architecture stores it, weights in {@code weightDtype}. */
    public static TensorInfo of(TensorSpec spec, DType weightDtype) {
        return new TensorInfo(spec.key(), spec.fixedDtype().orElse(weightDtype), spec.shape());
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public long numel() {
        return StoredTensor.numel(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype.displayName() + Arrays.toString(shape);
    }
}
