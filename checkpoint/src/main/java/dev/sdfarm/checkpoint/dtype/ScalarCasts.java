package dev.sdfarm.checkpoint.dtype;

import dev.sdfarm.checkpoint.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element-at-a-time conversion between any two float dtypes. Every value passes through fp32 bits (exact
 * widening, then rounding), except that F64 sources are first rounded to fp32 and F64 targets are reached by
 * exact widening from fp32. Serves the pairs without a vector kernel, the tails of the vector kernels, and
 * runtimes without the Vector API.
 */
final class ScalarCasts {

    private static final ValueLayout.OfLong F64_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt F32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort B16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final long F64_EXPONENT = 0x7FF0000000000000L;
    private static final long F64_MAGNITUDE = 0x7FFFFFFFFFFFFFFFL;
    private static final long F64_QUIET = 0x0008000000000000L;

    private ScalarCasts() {
    }

    /**
     * Converts the elements with indices {@code [first, end)} (offsets are those of element 0); returns how
     * many finite inputs overflowed.
     */
    static long cast(MemorySegment src, long srcOffset, DType from, MemorySegment dst, long dstOffset, DType to,
                     long first, long end) {
        int fromSize = from.size();
        int toSize = to.size();
        long overflows = 0;
        for (long i = first; i < end; i++) {
            long s = srcOffset + i * fromSize;
            long d = dstOffset + i * toSize;
            if (to == DType.F64) {
                dst.set(F64_LE, d, f32ToF64Bits(readAsF32Bits(src, s, from)));
                continue;
            }
            int f32;
            boolean finite;
            if (from == DType.F64) {
                long f64 = src.get(F64_LE, s);
                f32 = f64ToF32Bits(f64);
                finite = (f64 & F64_EXPONENT) != F64_EXPONENT;
            } else {
                f32 = readAsF32Bits(src, s, from);
                finite = (f32 & Minifloat.F32_EXPONENT) != Minifloat.F32_EXPONENT;
            }
            if (!writeFromF32Bits(dst, d, to, f32) && finite) {
                overflows++;
            }
        }
        return overflows;
    }

    private static int readAsF32Bits(MemorySegment src, long offset, DType from) {
        return switch (from.size()) {
            case 4 -> src.get(F32_LE, offset);
            case 2 -> format(from).toFloatBits(src.get(B16_LE, offset));
            default -> format(from).toFloatBits(src.get(ValueLayout.JAVA_BYTE, offset));
        };
    }

    /** Writes the fp32 value rounded to {@code to}; returns whether the written value is finite. */
    private static boolean writeFromF32Bits(MemorySegment dst, long offset, DType to, int f32) {
        if (to == DType.F32) {
            dst.set(F32_LE, offset, f32);
            return (f32 & Minifloat.F32_EXPONENT) != Minifloat.F32_EXPONENT;
        }
        Minifloat format = format(to);
        int code = format.fromFloatBits(f32);
        if (to.size() == 2) {
            dst.set(B16_LE, offset, (short) code);
        } else {
            dst.set(ValueLayout.JAVA_BYTE, offset, (byte) code);
        }
        return format.isFinite(code);
    }

    /** The format of a float dtype narrower than fp32. */
    static Minifloat format(DType type) {
        return switch (type) {
            case F16 -> Minifloat.FP16;
            case BF16 -> Minifloat.BF16;
            case F8_E4M3FN -> Minifloat.E4M3FN;
            case F8_E5M2 -> Minifloat.E5M2;
            default -> throw new IllegalArgumentException("not a float dtype narrower than fp32: " + type);
        };
    }

    /**
     * fp64 bits rounded to fp32 bits, nearest-even (Java's narrowing conversion). A NaN keeps its sign and
     * the top 23 bits of its mantissa and becomes quiet, as the hardware conversion PyTorch relies on
     * ({@code cvtsd2ss} on x86) does.
     */
    private static int f64ToF32Bits(long bits) {
        if ((bits & F64_MAGNITUDE) > F64_EXPONENT) {
            int sign = (int) (bits >>> 32) & 0x80000000;
            return sign | Minifloat.F32_EXPONENT | Minifloat.F32_QUIET | (int) (bits >>> 29) & 0x007FFFFF;
        }
        return Float.floatToRawIntBits((float) Double.longBitsToDouble(bits));
    }

    /** fp32 bits widened exactly to fp64 bits. A NaN keeps its sign and payload and becomes quiet. */
    private static long f32ToF64Bits(int bits) {
        if ((bits & Minifloat.F32_MAGNITUDE) > Minifloat.F32_EXPONENT) {
            long sign = (long) (bits & 0x80000000) << 32;
            return sign | F64_EXPONENT | F64_QUIET | (long) (bits & 0x007FFFFF) << 29;
        }
        return Double.doubleToRawLongBits(Float.intBitsToFloat(bits));
    }
}
