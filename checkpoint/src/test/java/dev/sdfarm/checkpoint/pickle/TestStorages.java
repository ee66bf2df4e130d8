package dev.sdfarm.checkpoint.pickle;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.Storage;
import java.util.HashMap;
import java.util.Map;

/** A storage resolver for pickle-only tests: every key resolves to a storage of the stated size. */
final class TestStorages implements StorageResolver {
    private final Map<String, Storage> known = new HashMap<>();

    @Override
    public Storage resolve(String key, DType dtype, long numel, String location, String where) {
        if (numel > (1L << 40)) {
            throw new CheckpointException("storage too large for a test", where, null);
        }
        return known.computeIfAbsent(key, k -> new Storage("data/" + k, dtype, 0, numel * dtype.size()));
    }

    static Object load(byte[] pickle) {
        return RestrictedUnpickler.load(pickle, new TestStorages());
    }
}
