package dev.sdfarm.checkpoint.anatomy;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One tensor an architecture defines: its state-dict key, its shape and, for integer buffers such as
 * CLIP's {@code position_ids} (int64 [1, 77]), the dtype it always has. Weights have no fixed dtype: they
 * take whatever precision the checkpoint was saved in.
 */
public final class TensorSpec {
    private final String key;
    private final long[] shape;
    private final DType fixedDtype;

    private TensorSpec(String key, long[] shape, DType fixedDtype) {
        Objects.requireNonNull(key, "key");
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + key + Arrays.toString(shape));
            }
        }
        this.key = key;
        this.shape = shape.clone();
        this.fixedDtype = fixedDtype;
    }

    /** A weight (or float buffer) of the given shape; an empty shape is a scalar. */
    public static TensorSpec of(String key, long... shape) {
        return new TensorSpec(key, shape, null);
    }

    /** A buffer that is always stored with {@code dtype}, e.g. int64 position ids. */
    public static TensorSpec buffer(String key, DType dtype, long... shape) {
        return new TensorSpec(key, shape, Objects.requireNonNull(dtype, "dtype"));
    }

    public String key() {
        return key;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    /** The dtype this tensor always has, or empty for weights stored in the checkpoint's precision. */
    public Optional<DType> fixedDtype() {
        return Optional.ofNullable(fixedDtype);
    }

    /** True for weights and float buffers, false for integer buffers (which are not parameters). */
    public boolean isParameter() {
        return fixedDtype == null || fixedDtype.isFloatingPoint();
    }

    public long numel() {
        return StoredTensor.numel(shape);
    }

    public boolean hasShape(long[] other) {
        return Arrays.equals(shape, other);
    }

    /** The same tensor under {@code prefix + key}, as a parent module's state dict names it. */
    public TensorSpec withPrefix(String prefix) {
        return new TensorSpec(prefix + key, shape, fixedDtype);
    }

    public TensorSpec withKey(String newKey) {
        return new TensorSpec(newKey, shape, fixedDtype);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && key.equals(t.key) && Arrays.equals(shape, t.shape)
                && Objects.equals(fixedDtype, t.fixedDtype);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return key + Arrays.toString(shape) + (fixedDtype == null ? "" : " " + fixedDtype.displayName());
    }
}
