package dev.sdfarm.checkpoint;

/**
 * A storage a writer will emit: {@code numel} elements of {@code dtype} whose bytes come from {@code data}.
 *
 * @param identity distinguishes storages that tensors share; two {@link OutputTensor}s naming the same
 *                 identity view the same bytes (torch archives keep that sharing; safetensors cannot)
 */
public record OutputStorage(String identity, DType dtype, long numel, TensorData data) {
    public OutputStorage {
        if (data.byteSize() != numel * dtype.size()) {
            throw new IllegalArgumentException("storage " + identity + ": data has " + data.byteSize()
                    + " bytes, expected " + numel * dtype.size());
        }
    }
}
