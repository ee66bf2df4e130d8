package dev.sdfarm.checkpoint.dtype;

import dev.sdfarm.checkpoint.DType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Converts floating-point values between checkpoint dtypes exactly as {@code tensor.to(dtype)} does in
 * PyTorch on the CPU, element by element or in bulk over memory segments. The rounding, overflow and NaN
 * rules are set out in the {@linkplain dev.sdfarm.checkpoint.dtype package documentation}.
 *
 * <p>Scalar methods take and return the narrow formats as bit patterns ({@code short} for fp16 and bf16,
 * {@code byte} for fp8). All methods are thread-safe.
 */
public final class PrecisionCast {

    private static final boolean VECTORS = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && VectorCasts.USABLE;

    private PrecisionCast() {
    }

    /** fp32 to fp16 bits: nearest-even, overflow to ±Inf, NaN to {@code sign|0x7E00}. */
    public static short floatToHalf(float f) {
        return (short) Minifloat.FP16.fromFloatBits(Float.floatToRawIntBits(f));
    }

    /** fp16 bits to fp32, exactly; a NaN keeps its sign and payload and becomes quiet. */
    public static float halfToFloat(short h) {
        return Float.intBitsToFloat(Minifloat.FP16.toFloatBits(h));
    }

    /** fp32 to bf16 bits: nearest-even, overflow to ±Inf, NaN to {@code sign|0x7FC0}. */
    public static short floatToBFloat16(float f) {
        return (short) Minifloat.BF16.fromFloatBits(Float.floatToRawIntBits(f));
    }

    /**
     * bf16 bits to fp32, exactly: the bits become the top half of the fp32, NaNs included. A signalling NaN
     * therefore stays signalling, which a {@code float} return value carries through on x86-64 and AArch64
     * (the bulk {@link #cast} writes the bits and never depends on it).
     */
    public static float bfloat16ToFloat(short b) {
        return Float.intBitsToFloat(b << 16);
    }

    /**
     * fp32 to float8 e4m3fn bits: nearest-even; a magnitude that rounds beyond 448, ±Inf and NaN all become
     * NaN {@code sign|0x7F} (the format has no Inf).
     */
    public static byte floatToE4M3FN(float f) {
        return (byte) Minifloat.E4M3FN.fromFloatBits(Float.floatToRawIntBits(f));
    }

    /** float8 e4m3fn bits to fp32, exactly; NaN ({@code 0x7F}, {@code 0xFF}) becomes {@code sign|0x7FF00000}. */
    public static float e4m3fnToFloat(byte b) {
        return Float.intBitsToFloat(Minifloat.E4M3FN.toFloatBits(b));
    }

    /**
     * fp32 to float8 e5m2 bits: nearest-even; a magnitude that rounds beyond 57344 becomes ±Inf
     * ({@code sign|0x7C}), NaN becomes {@code sign|0x7F}.
     */
    public static byte floatToE5M2(float f) {
        return (byte) Minifloat.E5M2.fromFloatBits(Float.floatToRawIntBits(f));
    }

    /** float8 e5m2 bits to fp32, exactly; a NaN keeps its sign and payload and becomes quiet. */
    public static float e5m2ToFloat(byte b) {
        return Float.intBitsToFloat(Minifloat.E5M2.toFloatBits(b));
    }

    /**
     * Converts {@code count} elements of dtype {@code from} starting at byte {@code srcOffset} of {@code src}
     * into dtype {@code to} at byte {@code dstOffset} of {@code dst}. Both sides are little-endian; the
     * segments may be heap, native or mapped, and no alignment is assumed. With {@code from == to} this is a
     * plain copy (NaN bits included, overlap allowed); otherwise the two byte ranges must not overlap.
     *
     * @return how many finite inputs overflowed: became ±Inf, or NaN for e4m3fn, which has no Inf
     * @throws IllegalArgumentException if either dtype is not a float dtype, {@code count} is negative,
     *     {@code dst} is read-only, or the ranges overlap for a conversion
     * @throws IndexOutOfBoundsException if a range does not lie inside its segment
     */
    public static long cast(MemorySegment src, long srcOffset, DType from, MemorySegment dst, long dstOffset,
                            DType to, long count) {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(dst, "dst");
        requireFloat(Objects.requireNonNull(from, "from"));
        requireFloat(Objects.requireNonNull(to, "to"));
        if (count < 0) {
            throw new IllegalArgumentException("negative count: " + count);
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read-only destination");
        }
        long srcBytes = byteSize(count, from);
        long dstBytes = byteSize(count, to);
        Objects.checkFromIndexSize(srcOffset, srcBytes, src.byteSize());
        Objects.checkFromIndexSize(dstOffset, dstBytes, dst.byteSize());
        if (from == to) {
            MemorySegment.copy(src, srcOffset, dst, dstOffset, srcBytes);
            return 0;
        }
        if (count == 0) {
            return 0;
        }
        if (src.asSlice(srcOffset, srcBytes).asOverlappingSlice(dst.asSlice(dstOffset, dstBytes)).isPresent()) {
            throw new IllegalArgumentException("source and destination overlap");
        }
        if (VECTORS) {
            long overflows = VectorCasts.cast(src, srcOffset, from, dst, dstOffset, to, count);
            if (overflows != VectorCasts.NOT_HANDLED) {
                return overflows;
            }
        }
        return ScalarCasts.cast(src, srcOffset, from, dst, dstOffset, to, 0, count);
    }

    private static void requireFloat(DType type) {
        if (!type.isFloatingPoint()) {
            throw new IllegalArgumentException("not a floating-point dtype: " + type);
        }
    }

    private static long byteSize(long count, DType type) {
        if (count > Long.MAX_VALUE / type.size()) {
            throw new IndexOutOfBoundsException(count + " elements of " + type + " exceed any segment");
        }
        return count * type.size();
    }
}
