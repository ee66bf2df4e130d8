package dev.sdfarm.checkpoint;

/**
 * A run of bytes in a checkpoint file that holds tensor elements. In a safetensors file each tensor has
 * its own storage; in a torch archive a storage is one {@code data/N} entry and several tensors may view it.
 *
 * @param key        identity within the file: the tensor name (safetensors) or the archive record key (torch)
 * @param dtype      element type of the storage
 * @param fileOffset absolute byte offset of the first element in the file
 * @param byteSize   length in bytes
 */
public record Storage(String key, DType dtype, long fileOffset, long byteSize) {
    public Storage {
        if (fileOffset < 0 || byteSize < 0) {
            throw new IllegalArgumentException("negative storage bounds for " + key);
        }
    }

    /** Number of elements. */
    public long numel() {
        return byteSize / dtype.size();
    }
}
