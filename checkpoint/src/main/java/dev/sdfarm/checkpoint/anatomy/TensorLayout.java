package dev.sdfarm.checkpoint.anatomy;

import dev.sdfarm.checkpoint.DType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tensors of a network or of a whole checkpoint, by key, in state-dict order. Immutable; keys are unique.
 */
public final class TensorLayout {
    private static final TensorLayout EMPTY = new TensorLayout(new LinkedHashMap<>());

    private final Map<String, TensorSpec> byKey;

    private TensorLayout(LinkedHashMap<String, TensorSpec> byKey) {
        this.byKey = Collections.unmodifiableMap(byKey);
    }

    public static TensorLayout empty() {
        return EMPTY;
    }

    /** @throws IllegalArgumentException when two specs share a key */
    public static TensorLayout of(List<TensorSpec> specs) {
        Builder b = builder();
        specs.forEach(b::add);
        return b.build();
    }

    /** The layouts one after the other. @throws IllegalArgumentException when they share a key */
    public static TensorLayout concat(TensorLayout... parts) {
        Builder b = builder();
        for (TensorLayout part : parts) {
            part.specs().forEach(b::add);
        }
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<TensorSpec> specs() {
        return List.copyOf(byKey.values());
    }

    /** Keys in state-dict order. */
    public Set<String> keys() {
        return byKey.keySet();
    }

    public Optional<TensorSpec> get(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    public boolean contains(String key) {
        return byKey.containsKey(key);
    }

    /** True when {@code key} is in this layout with exactly this shape. */
    public boolean contains(String key, long[] shape) {
        TensorSpec s = byKey.get(key);
        return s != null && s.hasShape(shape);
    }

    public int size() {
        return byKey.size();
    }

    /**
     * Number of parameter elements: every float tensor counts, integer buffers such as {@code position_ids}
     * do not (that is how published parameter counts are taken).
     */
    public long parameterCount() {
        long n = 0;
        for (TensorSpec s : byKey.values()) {
            if (s.isParameter()) {
                n += s.numel();
            }
        }
        return n;
    }

    /** This layout with every key prefixed, as a parent module's state dict names it. */
    public TensorLayout withPrefix(String prefix) {
        Builder b = builder();
        byKey.values().forEach(s -> b.add(s.withPrefix(prefix)));
        return b.build();
    }

    /** Accumulates specs in order; rejects duplicate keys, which would mean a generator bug. */
    public static final class Builder {
        private final LinkedHashMap<String, TensorSpec> byKey = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder add(TensorSpec spec) {
            if (byKey.putIfAbsent(spec.key(), spec) != null) {
                throw new IllegalArgumentException("duplicate key in layout: " + spec.key());
            }
            return this;
        }

        public Builder add(String key, long... shape) {
            return add(TensorSpec.of(key, shape));
        }

        public Builder addBuffer(String key, DType dtype, long... shape) {
            return add(TensorSpec.buffer(key, dtype, shape));
        }

        public int size() {
            return byKey.size();
        }

        public TensorLayout build() {
            return new TensorLayout(new LinkedHashMap<>(byKey));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorLayout t && specs().equals(t.specs());
    }

    @Override
    public int hashCode() {
        return byKey.hashCode();
    }

    @Override
    public String toString() {
        return "TensorLayout[" + byKey.size() + " tensors, " + parameterCount() + " parameters]";
    }
}
