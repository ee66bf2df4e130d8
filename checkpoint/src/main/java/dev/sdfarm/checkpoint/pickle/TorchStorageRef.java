package dev.sdfarm.checkpoint.pickle;

import dev.sdfarm.checkpoint.Storage;
import java.util.Objects;

/**
 * A torch storage the pickle referenced through a persistent id, {@code ('storage', torch.HalfStorage, key,
 * location, numel)}. Usually consumed by a tensor rebuild; it appears in the object graph only when a
 * storage itself was saved.
 *
 * @param storage  where the storage's bytes are in the archive
 * @param location the device torch saved it from ({@code cpu}, {@code cuda:0}); sdfarm always reads to memory
 */
public record TorchStorageRef(Storage storage, String location) {
    public TorchStorageRef {
        Objects.requireNonNull(storage);
        Objects.requireNonNull(location);
    }
}
