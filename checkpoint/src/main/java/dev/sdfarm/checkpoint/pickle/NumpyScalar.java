package dev.sdfarm.checkpoint.pickle;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A numpy scalar such as {@code numpy.float64(0.25)} (Lightning stores {@code best_model_score} this way):
 * its dtype and raw bytes. Compared by value.
 */
public final class NumpyScalar {
    private final NumpyDType dtype;
    private final PyBytes data;

    public NumpyScalar(NumpyDType dtype, PyBytes data) {
        this.dtype = Objects.requireNonNull(dtype);
        this.data = Objects.requireNonNull(data);
    }

    public NumpyDType dtype() {
        return dtype;
    }

    /** The raw element bytes, in the dtype's byte order. */
    public PyBytes data() {
        return data;
    }

    /**
     * The value as a double for float, signed, unsigned and bool dtypes of 1, 2, 4 or 8 bytes; empty for
     * other dtypes (strings, complex, half precision).
     */
    public OptionalDouble toDouble() {
        byte[] b = data.array();
        if (b.length != dtype.itemSize()) {
            return OptionalDouble.empty();
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(dtype.byteOrder() == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        return switch (dtype.kind() + ":" + b.length) {
            case "f:8" -> OptionalDouble.of(buf.getDouble());
            case "f:4" -> OptionalDouble.of(buf.getFloat());
            case "i:8", "u:8" -> OptionalDouble.of(buf.getLong());
            case "i:4" -> OptionalDouble.of(buf.getInt());
            case "u:4" -> OptionalDouble.of(Integer.toUnsignedLong(buf.getInt()));
            case "i:2" -> OptionalDouble.of(buf.getShort());
            case "u:2" -> OptionalDouble.of(Short.toUnsignedInt(buf.getShort()));
            case "i:1" -> OptionalDouble.of(b[0]);
            case "u:1", "b:1" -> OptionalDouble.of(b[0] & 0xff);
            default -> OptionalDouble.empty();
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NumpyScalar s && s.dtype.equals(dtype) && s.data.equals(data);
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + data.hashCode();
    }

    @Override
    public String toString() {
        OptionalDouble d = toDouble();
        return "numpy.scalar(" + dtype.descr() + ", " + (d.isPresent() ? Double.toString(d.getAsDouble()) : data.toString()) + ")";
    }
}
