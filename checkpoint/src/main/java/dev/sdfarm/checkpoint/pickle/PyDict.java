package dev.sdfarm.checkpoint.pickle;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A Python dict, {@code collections.OrderedDict} or {@code torch.nn.ParameterDict} (read as the ordered dict
 * of its parameters): insertion-ordered entries, mutable, compared by identity as in Python.
 *
 * <p>{@link #attributes()} holds instance attributes an {@code OrderedDict} carried, set by the pickle's
 * BUILD opcode; a module's {@code state_dict()} keeps its {@code _metadata} (per-module versions) there.
 *
 * <p>Keys must be hashable values (str, int, float, bool, None, bytes, tuples of hashable values,
 * frozensets, {@link PyGlobal} tokens, numpy scalars and dtypes, tensors by identity). Python's
 * {@code 1 == 1.0 == True} key equivalence is not modelled: those are three distinct keys here.
 */
public final class PyDict {
    /** Which Python type the dict was. */
    public enum Kind {
        /** A plain {@code dict}. */
        DICT,
        /** {@code collections.OrderedDict}. */
        ORDERED_DICT,
        /** {@code torch.nn.ParameterDict}, read as the ordered dict of its parameters. */
        PARAMETER_DICT
    }

    private final Kind kind;
    private final LinkedHashMap<HashedKey, Object> entries = new LinkedHashMap<>();
    private final LinkedHashMap<String, Object> attributes = new LinkedHashMap<>();
    private final Map<Object, Object> view = new EntriesView();

    public PyDict(Kind kind) {
        this.kind = Objects.requireNonNull(kind);
    }

    /** A plain dict. */
    public static PyDict dict() {
        return new PyDict(Kind.DICT);
    }

    /** An {@code OrderedDict}. */
    public static PyDict orderedDict() {
        return new PyDict(Kind.ORDERED_DICT);
    }

    public Kind kind() {
        return kind;
    }

    public int size() {
        return entries.size();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The value for {@code key}, or null when absent. */
    public Object get(Object key) {
        return key != null && PyValues.isHashable(key) ? entries.get(new HashedKey(key)) : null;
    }

    public boolean containsKey(Object key) {
        return key != null && PyValues.isHashable(key) && entries.containsKey(new HashedKey(key));
    }

    /**
     * Sets {@code key} to {@code value}, keeping the key's position if it was already present (as Python does).
     *
     * @throws IllegalArgumentException if the key is not hashable in Python
     */
    public void put(Object key, Object value) {
        if (key == null || value == null) {
            throw new NullPointerException("keys and values must not be null; use PyNone.NONE");
        }
        if (!PyValues.isHashable(key)) {
            throw new IllegalArgumentException(PyValues.withArticle(key) + " cannot be a dict key");
        }
        entries.put(new HashedKey(key), value);
    }

    /** Removes {@code key}; returns its value or null. */
    public Object remove(Object key) {
        return key != null && PyValues.isHashable(key) ? entries.remove(new HashedKey(key)) : null;
    }

    /** A read-only view of the entries, in insertion order. */
    public Map<Object, Object> entries() {
        return view;
    }

    /**
     * Replaces every value by {@code function(key, value)}, keeping keys and order (for graph rewrites such as
     * naming tensors or swapping file tensors for output tensors).
     */
    public void replaceAll(BiFunction<Object, Object, Object> function) {
        entries.replaceAll((k, v) -> Objects.requireNonNull(function.apply(k.value, v),
                "replacement values must not be null; use PyNone.NONE"));
    }

    /** Instance attributes (an OrderedDict's {@code _metadata}), in the order they were set. */
    public Map<String, Object> attributes() {
        return Collections.unmodifiableMap(attributes);
    }

    public void setAttribute(String name, Object value) {
        if (name == null || value == null) {
            throw new NullPointerException("attribute names and values must not be null; use PyNone.NONE");
        }
        attributes.put(name, value);
    }

    /** A summary; dicts may be cyclic, so this never prints the entries. */
    @Override
    public String toString() {
        return switch (kind) {
            case DICT -> "dict";
            case ORDERED_DICT -> "OrderedDict";
            case PARAMETER_DICT -> "ParameterDict";
        } + "[" + entries.size() + " entries]";
    }

    /** The entries as the keys they wrap, read-only. */
    private final class EntriesView extends AbstractMap<Object, Object> {
        @Override
        public Set<Entry<Object, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<Object, Object>> iterator() {
                    Iterator<Entry<HashedKey, Object>> it = entries.entrySet().iterator();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Entry<Object, Object> next() {
                            Entry<HashedKey, Object> e = it.next();
                            return new SimpleImmutableEntry<>(e.getKey().value, e.getValue());
                        }
                    };
                }

                @Override
                public int size() {
                    return entries.size();
                }
            };
        }

        @Override
        public int size() {
            return entries.size();
        }

        @Override
        public Object get(Object key) {
            return PyDict.this.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return PyDict.this.containsKey(key);
        }
    }
}
