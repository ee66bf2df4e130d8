package dev.sdfarm.checkpoint.pickle;

import java.util.LinkedHashSet;
import java.util.Set;

/** A Python {@code frozenset}: immutable, with value equality, so it can be a dict key. */
public final class PyFrozenSet {
    private final LinkedHashSet<HashedKey> keys;
    private final Set<Object> items;
    private final int depth;
    private final long weight;
    private final int hash;

    private PyFrozenSet(LinkedHashSet<HashedKey> keys) {
        this.keys = keys;
        this.items = new KeySetView(keys);
        int d = 0;
        long w = 1;
        long h = 0;
        for (HashedKey k : keys) {
            d = Math.max(d, PyValues.nestingDepth(k.value));
            w = PyValues.saturatedAdd(w, PyValues.keyWeight(k.value));
            // Order-independent, as set equality is.
            h += PyValues.mix(k.hashCode() * 0x9e3779b97f4a7c15L);
        }
        this.depth = d + 1;
        this.weight = w;
        this.hash = PyValues.mix(h);
    }

    /**
     * A frozenset of the given hashable items.
     *
     * @throws IllegalArgumentException if an item is not hashable in Python
     */
    public static PyFrozenSet of(Iterable<?> items) {
        LinkedHashSet<HashedKey> set = new LinkedHashSet<>();
        for (Object item : items) {
            if (item == null) {
                throw new NullPointerException("set items must not be null; use PyNone.NONE");
            }
            if (!PyValues.isHashable(item)) {
                throw new IllegalArgumentException(PyValues.withArticle(item) + " cannot be a set item");
            }
            set.add(new HashedKey(item));
        }
        return new PyFrozenSet(set);
    }

    public int size() {
        return items.size();
    }

    /** The items, read-only, in insertion order. */
    public Set<Object> items() {
        return items;
    }

    int depth() {
        return depth;
    }

    long weight() {
        return weight;
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof PyFrozenSet f && f.hash == hash && f.keys.equals(keys));
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "frozenset[" + items.size() + " items]";
    }
}
