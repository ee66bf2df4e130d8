package dev.sdfarm.checkpoint.pickle;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.Storage;

/**
 * Resolves the storages a pickle references through persistent ids ({@code ('storage', torch.HalfStorage,
 * key, location, numel)}) to where their bytes are. The torch archive reader resolves {@code key} against the
 * archive entry {@code <prefix>/data/<key>}.
 */
@FunctionalInterface
public interface StorageResolver {
    /**
     * @param key      the storage key from the pickle (torch uses decimal numbers)
     * @param dtype    the element type named by the storage class
     * @param numel    the element count the pickle states
     * @param location the device torch saved from, e.g. {@code cpu}
     * @param where    where in the pickle the reference is, for error messages
     * @return the storage; the same storage for every reference to the same key
     * @throws CheckpointException when there is no such storage or it does not match dtype and numel
     */
    Storage resolve(String key, DType dtype, long numel, String location, String where);
}
