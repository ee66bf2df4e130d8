package dev.sdfarm.checkpoint.pickle;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Set;

/** A read-only view of a set of {@link HashedKey}s as the values they wrap. */
final class KeySetView extends AbstractSet<Object> {
    private final Set<HashedKey> keys;

    KeySetView(Set<HashedKey> keys) {
        this.keys = keys;
    }

    @Override
    public Iterator<Object> iterator() {
        Iterator<HashedKey> it = keys.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Object next() {
                return it.next().value;
            }
        };
    }

    @Override
    public int size() {
        return keys.size();
    }

    @Override
    public boolean contains(Object o) {
        return o != null && PyValues.isHashable(o) && keys.contains(new HashedKey(o));
    }
}
