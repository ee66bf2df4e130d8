package dev.sdfarm.checkpoint;

import java.util.Arrays;

/**
 * A tensor as a checkpoint file stores it: name, element type, shape, and where the elements are
 * (a {@link Storage}, an element offset into it and element strides, as torch describes views).
 * Instances are immutable and never hold tensor data.
 */
public final class StoredTensor {
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final Storage storage;
    private final long storageOffset;
    private final long[] strides;

    public StoredTensor(String name, DType dtype, long[] shape, Storage storage, long storageOffset, long[] strides) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape and strides differ in rank for " + name);
        }
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.storage = storage;
        this.storageOffset = storageOffset;
        this.strides = strides.clone();
    }

    /** A contiguous tensor that is its whole storage (the safetensors case). */
    public static StoredTensor contiguous(String name, DType dtype, long[] shape, Storage storage) {
        return new StoredTensor(name, dtype, shape, storage, 0, contiguousStrides(shape));
    }

    public static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long step = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = step;
            step *= Math.max(shape[i], 1);
        }
        return s;
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
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

    public Storage storage() {
        return storage;
    }

    /** Offset of element [0,...,0] in the storage, in elements. */
    public long storageOffset() {
        return storageOffset;
    }

    public long[] strides() {
        return strides.clone();
    }

    public long numel() {
        return numel(shape);
    }

    public long byteSize() {
        return numel() * dtype.size();
    }

    /** Absolute file offset of element [0,...,0]. */
    public long fileOffset() {
        return storage.fileOffset() + storageOffset * dtype.size();
    }

    /** True when the elements are laid out row-major without gaps, so the bytes can be read in one run. */
    public boolean isContiguous() {
        if (numel() <= 1) {
            return true;
        }
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** True when this tensor covers its entire storage, contiguously. */
    public boolean coversStorage() {
        return isContiguous() && storageOffset == 0 && byteSize() == storage.byteSize();
    }

    /** Same tensor under another name (used for key renames). */
    public StoredTensor renamed(String newName) {
        return new StoredTensor(newName, dtype, shape, storage, storageOffset, strides);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype.displayName() + shapeString();
    }
}
