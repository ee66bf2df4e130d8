package dev.sdfarm.checkpoint.pickle;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A Python tuple: immutable, with value equality (so tuples of hashable values work as dict keys).
 * {@code torch.Size} values are read as tuples.
 *
 * <p>The hash is cached and the nesting depth of tuples inside tuples is recorded at construction, because
 * hashing and comparing recurse into nested tuples and a hostile pickle may nest them very deeply.
 */
public final class PyTuple {
    private static final PyTuple EMPTY = new PyTuple(new Object[0]);

    private final Object[] items;
    private final int depth;
    private final long weight;
    private final boolean hashable;
    private int hash;
    private boolean hashed;

    private PyTuple(Object[] items) {
        this.items = items;
        int d = 0;
        long w = 1;
        boolean h = true;
        for (Object item : items) {
            if (item == null) {
                throw new NullPointerException("tuple items must not be null; use PyNone.NONE");
            }
            d = Math.max(d, PyValues.nestingDepth(item));
            w = PyValues.saturatedAdd(w, PyValues.keyWeight(item));
            h &= PyValues.isHashable(item);
        }
        this.depth = d + 1;
        this.weight = w;
        this.hashable = h;
    }

    /** A tuple of the given items (copied). */
    public static PyTuple of(Object... items) {
        return items.length == 0 ? EMPTY : new PyTuple(items.clone());
    }

    /** A tuple of the given items (copied). */
    public static PyTuple of(List<?> items) {
        return items.isEmpty() ? EMPTY : new PyTuple(items.toArray());
    }

    public static PyTuple empty() {
        return EMPTY;
    }

    public int size() {
        return items.length;
    }

    public Object get(int index) {
        return items[index];
    }

    /** The items, as an unmodifiable list. */
    public List<Object> items() {
        return Collections.unmodifiableList(Arrays.asList(items));
    }

    /** How many tuples deep this tuple nests (1 for a tuple without tuples inside). */
    int depth() {
        return depth;
    }

    /** True when every item is hashable, so the tuple can be a dict key. */
    boolean isHashable() {
        return hashable;
    }

    /** Rough cost of hashing or comparing this tuple, used to budget dict-key work. */
    long weight() {
        return weight;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof PyTuple t && t.items.length == items.length && hashCode() == t.hashCode()
                && Arrays.equals(items, t.items);
    }

    @Override
    public int hashCode() {
        if (!hashed) {
            long h = items.length;
            for (Object item : items) {
                h = h * 0x9e3779b97f4a7c15L + PyValues.strongHash(item);
            }
            hash = PyValues.mix(h);
            hashed = true;
        }
        return hash;
    }

    @Override
    public String toString() {
        return PyValues.describe(this);
    }
}
