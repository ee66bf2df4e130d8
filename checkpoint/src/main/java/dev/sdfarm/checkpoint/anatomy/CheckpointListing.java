package dev.sdfarm.checkpoint.anatomy;

import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The names, dtypes and shapes of a file's tensors plus the names of its top-level entries that are not
 * tensors (pickle-based files: {@code string_to_token}, {@code layer_structure}, {@code global_step}, ...).
 * This is all anatomy reads, so it can be built from an open {@code Checkpoint}, from a layout, or by hand.
 */
public final class CheckpointListing {
    private final Map<String, TensorInfo> tensors;
    private final Set<String> nonTensorEntries;

    private CheckpointListing(Map<String, TensorInfo> tensors, Set<String> nonTensorEntries) {
        this.tensors = Collections.unmodifiableMap(tensors);
        this.nonTensorEntries = Collections.unmodifiableSet(nonTensorEntries);
    }

    /**
     * @param tensors          the tensors, in file order
     * @param nonTensorEntries names of top-level entries that are not tensors; empty for safetensors
     * @throws IllegalArgumentException on a duplicate tensor name
     */
    public static CheckpointListing of(Collection<TensorInfo> tensors, Collection<String> nonTensorEntries) {
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : tensors) {
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("duplicate tensor name " + t.name());
            }
        }
        return new CheckpointListing(byName, new LinkedHashSet<>(nonTensorEntries));
    }

    public static CheckpointListing of(Collection<TensorInfo> tensors) {
        return of(tensors, List.of());
    }

    /** From a reader's tensors (for example {@code Checkpoint.tensors()}). */
    public static CheckpointListing ofStored(Collection<StoredTensor> tensors, Collection<String> nonTensorEntries) {
        return of(tensors.stream().map(TensorInfo::of).toList(), nonTensorEntries);
    }

    /** What a checkpoint of exactly this layout lists, with its weights in {@code weightDtype}. */
    public static CheckpointListing ofLayout(TensorLayout layout, DType weightDtype) {
        return of(layout.specs().stream().map(s -> TensorInfo.of(s, weightDtype)).toList());
    }

    public Collection<TensorInfo> tensors() {
        return tensors.values();
    }

    /** Tensor names in file order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    public Optional<TensorInfo> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Set<String> nonTensorEntries() {
        return nonTensorEntries;
    }

    public int size() {
        return tensors.size();
    }

    /** True when some tensor name starts with {@code prefix}. */
    public boolean anyStartsWith(String prefix) {
        for (String n : tensors.keySet()) {
            if (n.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** The first tensor (in file order) whose name starts with {@code prefix} and ends with {@code suffix}. */
    public Optional<TensorInfo> first(String prefix, String suffix) {
        for (TensorInfo t : tensors.values()) {
            if (t.name().startsWith(prefix) && t.name().endsWith(suffix)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
