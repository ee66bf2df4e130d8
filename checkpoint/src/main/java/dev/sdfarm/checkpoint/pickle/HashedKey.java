package dev.sdfarm.checkpoint.pickle;

/**
 * Wraps a dict key or set item so hash tables use {@link PyValues#strongHash}: Java's own hashes of strings
 * and longs collide predictably, and a pickle full of colliding keys would make every insertion scan a long
 * bucket. Equality is the value's own.
 */
final class HashedKey {
    final Object value;
    private final int hash;

    HashedKey(Object value) {
        this.value = value;
        this.hash = PyValues.strongHash(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HashedKey k && (k.value == value || (k.hash == hash && k.value.equals(value)));
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
