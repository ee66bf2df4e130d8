package dev.sdfarm.checkpoint.pickle;

import java.util.Objects;

/**
 * A numpy dtype as data: the type string numpy pickles ({@code f8}, {@code i4}, {@code b1}, {@code U12}) and the
 * byte order the pickle's BUILD state gave ({@code <}, {@code >}, {@code |} or {@code =} when none was set).
 * Only simple dtypes are read; structured dtypes (with fields) are refused.
 *
 * <p>numpy pickles a dtype as a call followed by a BUILD that sets the byte order on the same object, so the
 * byte order is filled in after construction, once. Compared by value, like numpy dtypes.
 */
public final class NumpyDType {
    private final String typeString;
    private char byteOrder = '=';
    private int itemSize = -1;
    private boolean built;

    public NumpyDType(String typeString) {
        this.typeString = Objects.requireNonNull(typeString);
        this.itemSize = parseItemSize(typeString);
    }

    /** A dtype with its byte order already known, e.g. {@code ('f8', '<')}. */
    public NumpyDType(String typeString, char byteOrder) {
        this(typeString);
        this.byteOrder = byteOrder;
        this.built = true;
    }

    private static int parseItemSize(String s) {
        int i = 0;
        while (i < s.length() && !Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0 || i == s.length() || s.length() - i > 6) {
            return -1;
        }
        for (int j = i; j < s.length(); j++) {
            if (!Character.isDigit(s.charAt(j))) {
                return -1;
            }
        }
        int n = Integer.parseInt(s.substring(i));
        return switch (s.substring(0, i)) {
            case "U" -> n > Integer.MAX_VALUE / 4 ? -1 : 4 * n;
            default -> n;
        };
    }

    /** The type string numpy pickled, without byte order: {@code f8}. */
    public String typeString() {
        return typeString;
    }

    /** {@code <} little, {@code >} big, {@code |} not applicable, {@code =} native/unspecified. */
    public char byteOrder() {
        return byteOrder;
    }

    /** Byte order and type, as numpy's {@code dtype.str}: {@code <f8}. */
    public String descr() {
        return byteOrder + typeString;
    }

    /** Bytes per element, or -1 when the type string does not say. */
    public int itemSize() {
        return itemSize;
    }

    /** The kind letter: {@code f} float, {@code i} signed, {@code u} unsigned, {@code b} bool, ... */
    public char kind() {
        return typeString.isEmpty() ? '?' : typeString.charAt(0);
    }

    boolean isBuilt() {
        return built;
    }

    void applyState(char order, int elementSize) {
        this.byteOrder = order;
        if (elementSize > 0) {
            this.itemSize = elementSize;
        }
        this.built = true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NumpyDType d && d.typeString.equals(typeString) && d.byteOrder == byteOrder;
    }

    @Override
    public int hashCode() {
        return typeString.hashCode() * 31 + byteOrder;
    }

    @Override
    public String toString() {
        return "numpy.dtype('" + descr() + "')";
    }
}
