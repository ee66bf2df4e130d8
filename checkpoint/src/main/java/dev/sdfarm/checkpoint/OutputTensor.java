package dev.sdfarm.checkpoint;

/**
 * A tensor a writer will emit: a view (offset and strides in elements) on an {@link OutputStorage}.
 */
public record OutputTensor(String name, long[] shape, OutputStorage storage, long storageOffset, long[] strides) {

    /** A tensor that is its whole storage, row-major. */
    public static OutputTensor whole(String name, long[] shape, OutputStorage storage) {
        if (StoredTensor.numel(shape) != storage.numel()) {
            throw new IllegalArgumentException(name + ": shape does not cover the storage");
        }
        return new OutputTensor(name, shape.clone(), storage, 0, StoredTensor.contiguousStrides(shape));
    }

    public DType dtype() {
        return storage.dtype();
    }

    public long numel() {
        return StoredTensor.numel(shape);
    }

    public long byteSize() {
        return numel() * dtype().size();
    }

    /** True when this tensor is its entire storage, row-major (the only layout safetensors can hold). */
    public boolean isWholeStorage() {
        return storageOffset == 0 && numel() == storage.numel()
                && java.util.Arrays.equals(strides, StoredTensor.contiguousStrides(shape));
    }
}
