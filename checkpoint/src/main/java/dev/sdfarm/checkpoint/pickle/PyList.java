package dev.sdfarm.checkpoint.pickle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A Python list: mutable and compared by identity, as in Python (lists are unhashable). A list may contain
 * itself; code that walks an object graph must guard against cycles.
 */
public final class PyList {
    private final ArrayList<Object> items;

    public PyList() {
        this.items = new ArrayList<>();
    }

    /** A list holding the given items (copied). */
    public PyList(List<?> items) {
        this.items = new ArrayList<>(items.size());
        for (Object item : items) {
            add(item);
        }
    }

    public int size() {
        return items.size();
    }

    public Object get(int index) {
        return items.get(index);
    }

    public void add(Object item) {
        if (item == null) {
            throw new NullPointerException("list items must not be null; use PyNone.NONE");
        }
        items.add(item);
    }

    public void set(int index, Object item) {
        if (item == null) {
            throw new NullPointerException("list items must not be null; use PyNone.NONE");
        }
        items.set(index, item);
    }

    /** A read-only view of the items. */
    public List<Object> items() {
        return Collections.unmodifiableList(items);
    }

    /** A summary; lists may be cyclic, so this never prints the items. */
    @Override
    public String toString() {
        return "list[" + items.size() + " items]";
    }
}
