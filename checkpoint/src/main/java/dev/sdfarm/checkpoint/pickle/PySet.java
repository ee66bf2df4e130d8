package dev.sdfarm.checkpoint.pickle;

import java.util.LinkedHashSet;
import java.util.Set;

/** A Python {@code set}: mutable, compared by identity (sets are unhashable), iteration in insertion order. */
public final class PySet {
    private final LinkedHashSet<HashedKey> keys = new LinkedHashSet<>();
    private final Set<Object> view = new KeySetView(keys);

    public int size() {
        return keys.size();
    }

    /**
     * Adds a hashable item.
     *
     * @throws IllegalArgumentException if the item is not hashable in Python
     */
    public void add(Object item) {
        if (item == null) {
            throw new NullPointerException("set items must not be null; use PyNone.NONE");
        }
        if (!PyValues.isHashable(item)) {
            throw new IllegalArgumentException(PyValues.withArticle(item) + " cannot be a set item");
        }
        keys.add(new HashedKey(item));
    }

    public boolean contains(Object item) {
        return view.contains(item);
    }

    /** A read-only view of the items, in insertion order. */
    public Set<Object> items() {
        return view;
    }

    @Override
    public String toString() {
        return "set[" + keys.size() + " items]";
    }
}
