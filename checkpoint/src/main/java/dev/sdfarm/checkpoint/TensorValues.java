package dev.sdfarm.checkpoint;

import dev.sdfarm.checkpoint.dtype.PrecisionCast;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads the values of small tensors (scalars, position ids) as doubles, whatever their dtype. */
public final class TensorValues {
    /** Tensors larger than this are not read as values. */
    public static final long MAX_ELEMENTS = 1 << 20;

    private TensorValues() {
    }

    /**
     * All elements of a small contiguous tensor, in row-major order.
     *
     * @throws IllegalArgumentException if the tensor is not contiguous or has more than {@link #MAX_ELEMENTS}
     */
    public static double[] read(Checkpoint cp, StoredTensor t) throws IOException {
        if (t.numel() > MAX_ELEMENTS) {
            throw new IllegalArgumentException(t.name() + " is too large to read as values");
        }
        ByteBuffer b = ByteBuffer.wrap(cp.readAll(t)).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) t.numel();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (t.dtype()) {
                case F64 -> b.getDouble(i * 8);
                case F32 -> b.getFloat(i * 4);
                case F16 -> PrecisionCast.halfToFloat(b.getShort(i * 2));
                case BF16 -> PrecisionCast.bfloat16ToFloat(b.getShort(i * 2));
                case F8_E4M3FN -> PrecisionCast.e4m3fnToFloat(b.get(i));
                case F8_E5M2 -> PrecisionCast.e5m2ToFloat(b.get(i));
                case I64 -> b.getLong(i * 8);
                case I32 -> b.getInt(i * 4);
                case I16 -> b.getShort(i * 2);
                case I8 -> b.get(i);
                case U64 -> Long.toUnsignedString(b.getLong(i * 8)).length() > 18
                        ? Double.parseDouble(Long.toUnsignedString(b.getLong(i * 8))) : b.getLong(i * 8);
                case U32 -> Integer.toUnsignedLong(b.getInt(i * 4));
                case U16 -> Short.toUnsignedInt(b.getShort(i * 2));
                case U8, BOOL -> Byte.toUnsignedInt(b.get(i));
            };
        }
        return v;
    }
}
