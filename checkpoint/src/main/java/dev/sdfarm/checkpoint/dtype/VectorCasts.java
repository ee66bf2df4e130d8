package dev.sdfarm.checkpoint.dtype;

import dev.sdfarm.checkpoint.DType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import static dev.sdfarm.checkpoint.dtype.Minifloat.F32_EXPONENT;
import static dev.sdfarm.checkpoint.dtype.Minifloat.F32_MAGNITUDE;
import static dev.sdfarm.checkpoint.dtype.Minifloat.F32_QUIET;

/**
 * Bulk conversions with the Vector API: every lane is handled as fp32 bits in an int lane, with the same
 * integer rounding as {@link Minifloat} for normal results and the FPU doing the rounding of subnormal ones.
 * Branch-free, so NaN, Inf and overflow lanes cost the same as any other. Whole vectors only; the remaining
 * elements go through {@link ScalarCasts}.
 */
final class VectorCasts {

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, INTS.vectorBitSize() / 2)));
    private static final VectorSpecies<Byte> BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, INTS.vectorBitSize() / 4)));
    private static final int LANES = INTS.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /**
     * Whether this platform's vectors are wide enough for the kernels: the byte vectors must hold as many
     * lanes as the int vectors, which needs ints of at least 256 bits (AVX2, AVX-512, wide SVE).
     */
    static final boolean USABLE = SHORTS.length() == LANES && BYTES.length() == LANES;

    static final long NOT_HANDLED = -1;
    private static final long STAGING_THRESHOLD = 1024;
    /** Elements per staging round trip: large enough to amortize the copies, small enough to stay in L2. */
    static final long STAGING_CHUNK = 32768;

    private VectorCasts() {
    }

    /**
     * Converts {@code count} elements if this class has a kernel for the pair, returning the overflow count,
     * or returns {@link #NOT_HANDLED} without touching anything if it has none or the call is better served
     * element by element.
     */
    static long cast(MemorySegment src, long srcOffset, DType from, MemorySegment dst, long dstOffset, DType to,
                     long count) {
        if (!hasKernel(from, to)) {
            return NOT_HANDLED;
        }
        if (src.isNative() && dst.isNative()) {
            return kernel(src, srcOffset, from, dst, dstOffset, to, count);
        }
        return count >= STAGING_THRESHOLD ? staged(src, srcOffset, from, dst, dstOffset, to, count) : NOT_HANDLED;
    }

    private static boolean hasKernel(DType from, DType to) {
        return switch (from) {
            case F32 -> to == DType.F16 || to == DType.BF16 || to == DType.F8_E4M3FN || to == DType.F8_E5M2;
            case F16 -> to == DType.F32 || to == DType.BF16;
            case BF16 -> to == DType.F32 || to == DType.F16;
            case F8_E4M3FN, F8_E5M2 -> to == DType.F32;
            default -> false;
        };
    }

    /**
     * C2 compiles vector loads and stores on heap memory only where the array's element type is the lane
     * type, so a byte[]-backed segment would leave every vector boxed. Heap data is therefore moved through
     * small native buffers that stay in cache, which costs far less than the conversion it enables.
     */
    private static long staged(MemorySegment src, long srcOffset, DType from, MemorySegment dst, long dstOffset,
                               DType to, long count) {
        long chunk = Math.min(count, STAGING_CHUNK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = src.isNative() ? null : arena.allocate(chunk * from.size(), 64);
            MemorySegment out = dst.isNative() ? null : arena.allocate(chunk * to.size(), 64);
            long overflows = 0;
            for (long done = 0; done < count; done += chunk) {
                long n = Math.min(chunk, count - done);
                long s = srcOffset + done * from.size();
                long d = dstOffset + done * to.size();
                if (in != null) {
                    MemorySegment.copy(src, s, in, 0, n * from.size());
                }
                overflows += kernel(in != null ? in : src, in != null ? 0 : s, from,
                        out != null ? out : dst, out != null ? 0 : d, to, n);
                if (out != null) {
                    MemorySegment.copy(out, 0, dst, d, n * to.size());
                }
            }
            return overflows;
        }
    }

    private static long kernel(MemorySegment src, long srcOffset, DType from, MemorySegment dst, long dstOffset,
                               DType to, long count) {
        long end = count - count % LANES;
        long overflows = switch (from) {
            case F32 -> switch (to) {
                case F16 -> f32ToF16(src, srcOffset, dst, dstOffset, end);
                case BF16 -> f32ToBf16(src, srcOffset, dst, dstOffset, end);
                case F8_E4M3FN, F8_E5M2 -> f32To8(src, srcOffset, dst, dstOffset, ScalarCasts.format(to), end);
                default -> throw noKernel(from, to);
            };
            case F16 -> switch (to) {
                case F32 -> f16ToF32(src, srcOffset, dst, dstOffset, end);
                case BF16 -> f16ToBf16(src, srcOffset, dst, dstOffset, end);
                default -> throw noKernel(from, to);
            };
            case BF16 -> switch (to) {
                case F32 -> bf16ToF32(src, srcOffset, dst, dstOffset, end);
                case F16 -> bf16ToF16(src, srcOffset, dst, dstOffset, end);
                default -> throw noKernel(from, to);
            };
            case F8_E4M3FN, F8_E5M2 -> switch (to) {
                case F32 -> b8ToF32(src, srcOffset, dst, dstOffset, ScalarCasts.format(from), end);
                default -> throw noKernel(from, to);
            };
            default -> throw noKernel(from, to);
        };
        return overflows + ScalarCasts.cast(src, srcOffset, from, dst, dstOffset, to, end, count);
    }

    private static IllegalStateException noKernel(DType from, DType to) {
        return new IllegalStateException("no vector kernel for " + from + " -> " + to);
    }

    // One loop per pair rather than one loop composing a widening and a narrowing step: C2 stops inlining
    // Vector API calls past a node budget, and a lane op left out of line boxes every vector and runs an
    // order of magnitude slower. Each loop returns its overflow count (0 where none is possible).

    private static long f32ToF16(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long end) {
        long overflows = 0;
        for (long i = 0; i < end; i += LANES) {
            IntVector bits = IntVector.fromMemorySegment(INTS, src, srcOffset + i * 4, LE);
            IntVector magnitude = bits.and(F32_MAGNITUDE);
            IntVector code = narrowMagnitude(Minifloat.FP16, magnitude);
            overflows += overflowed(Minifloat.FP16, magnitude, code).trueCount();
            store16(code.or(narrowSign(Minifloat.FP16, bits)), dst, dstOffset + i * 2);
        }
        return overflows;
    }

    private static long f32ToBf16(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long end) {
        long overflows = 0;
        for (long i = 0; i < end; i += LANES) {
            IntVector bits = IntVector.fromMemorySegment(INTS, src, srcOffset + i * 4, LE);
            IntVector magnitude = bits.and(F32_MAGNITUDE);
            IntVector code = bf16Magnitude(magnitude);
            overflows += overflowed(Minifloat.BF16, magnitude, code).trueCount();
            store16(code.or(narrowSign(Minifloat.BF16, bits)), dst, dstOffset + i * 2);
        }
        return overflows;
    }

    private static long f32To8(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset,
                               Minifloat to, long end) {
        long overflows = 0;
        for (long i = 0; i < end; i += LANES) {
            IntVector bits = IntVector.fromMemorySegment(INTS, src, srcOffset + i * 4, LE);
            IntVector magnitude = bits.and(F32_MAGNITUDE);
            IntVector code = narrowMagnitude(to, magnitude);
            overflows += overflowed(to, magnitude, code).trueCount();
            store8(code.or(narrowSign(to, bits)), dst, dstOffset + i);
        }
        return overflows;
    }

    /** bf16 is the top half of fp32, so widening it is a shift, NaNs included. */
    private static long bf16ToF32(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long end) {
        for (long i = 0; i < end; i += LANES) {
            load16(src, srcOffset + i * 2).lanewise(VectorOperators.LSHL, 16)
                    .intoMemorySegment(dst, dstOffset + i * 4, LE);
        }
        return 0;
    }

    private static long f16ToF32(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long end) {
        for (long i = 0; i < end; i += LANES) {
            widen(Minifloat.FP16, load16(src, srcOffset + i * 2)).intoMemorySegment(dst, dstOffset + i * 4, LE);
        }
        return 0;
    }

    private static long b8ToF32(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset,
                                Minifloat from, long end) {
        for (long i = 0; i < end; i += LANES) {
            widen(from, load8(src, srcOffset + i)).intoMemorySegment(dst, dstOffset + i * 4, LE);
        }
        return 0;
    }

    /** Every fp16 value is a bf16 normal (or zero) before rounding, so this never overflows. */
    private static long f16ToBf16(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long end) {
        for (long i = 0; i < end; i += LANES) {
            IntVector bits = widen(Minifloat.FP16, load16(src, srcOffset + i * 2));
            IntVector code = bf16Magnitude(bits.and(F32_MAGNITUDE));
            store16(code.or(narrowSign(Minifloat.BF16, bits)), dst, dstOffset + i * 2);
        }
        return 0;
    }

    private static long bf16ToF16(MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, long end) {
        long overflows = 0;
        for (long i = 0; i < end; i += LANES) {
            IntVector bits = load16(src, srcOffset + i * 2).lanewise(VectorOperators.LSHL, 16);
            IntVector magnitude = bits.and(F32_MAGNITUDE);
            IntVector code = narrowMagnitude(Minifloat.FP16, magnitude);
            overflows += overflowed(Minifloat.FP16, magnitude, code).trueCount();
            store16(code.or(narrowSign(Minifloat.FP16, bits)), dst, dstOffset + i * 2);
        }
        return overflows;
    }

    /**
     * bf16 shares fp32's exponent range, so rounding off the low 16 bits is the whole job: subnormals round
     * like normals, and a carry out of the largest finite value lands exactly on Inf.
     */
    private static IntVector bf16Magnitude(IntVector magnitude) {
        return magnitude.add(magnitude.lanewise(VectorOperators.LSHR, 16).and(1))
                .add(0x7FFF)
                .lanewise(VectorOperators.LSHR, 16)
                .blend(Minifloat.BF16.nanCode(), magnitude.compare(VectorOperators.GT, F32_EXPONENT));
    }

    /**
     * The unsigned code of an fp32 magnitude (bits without the sign), as {@link Minifloat#fromFloatBits}:
     * nearest-even, overflow and infinities to {@link Minifloat#overflowCode()}, NaN to the canonical NaN.
     */
    private static IntVector narrowMagnitude(Minifloat to, IntVector magnitude) {
        int shift = to.mantissaShift();
        IntVector rebased = magnitude.sub(to.rebias());
        IntVector normal = rebased.add(rebased.lanewise(VectorOperators.LSHR, shift).and(1))
                .add((1 << shift - 1) - 1)
                .lanewise(VectorOperators.LSHR, shift);
        // Below the smallest normal, adding a power of two whose spacing is this format's subnormal spacing
        // makes the FPU round to nearest-even at exactly the right bit; the difference of the bit patterns
        // is then the subnormal code.
        float spacer = Float.intBitsToFloat(to.subnormalExponent() + 23 + 127 << 23);
        IntVector subnormal = magnitude.reinterpretAsFloats().add(spacer).reinterpretAsInts()
                .sub(Float.floatToRawIntBits(spacer));
        // The shifts are unsigned, so Inf and NaN lanes, whose rounding sums can wrap past 2^31, still come out
        // as large positive codes and clamp to the overflow code before NaN lanes are replaced.
        return normal.blend(subnormal, magnitude.lt(to.minNormalFloatBits()))
                .min(to.overflowCode())
                .blend(to.nanCode(), magnitude.compare(VectorOperators.GT, F32_EXPONENT));
    }

    private static IntVector narrowSign(Minifloat to, IntVector bits) {
        return bits.lanewise(VectorOperators.LSHR, to.signShift()).and(to.signBit());
    }

    /** Lanes whose input was finite and whose result is the overflow code (Inf, or NaN for e4m3fn). */
    private static VectorMask<Integer> overflowed(Minifloat to, IntVector magnitude, IntVector code) {
        return code.eq(to.overflowCode()).and(magnitude.lt(F32_EXPONENT));
    }

    /**
     * fp32 bits of codes (sign-extended or not), as {@link Minifloat#toFloatBits}, for formats whose
     * subnormal spacing is an fp32 normal (all but bf16, which widens by a shift).
     */
    private static IntVector widen(Minifloat from, IntVector codes) {
        IntVector magnitude = codes.and(from.magnitudeMask());
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, from.mantissaShift());
        IntVector subnormal = ((FloatVector) magnitude.convert(VectorOperators.I2F, 0))
                .mul(Float.intBitsToFloat(from.subnormalExponent() + 127 << 23))
                .reinterpretAsInts();
        IntVector bits = shifted.add(from.rebias())
                .blend(subnormal, magnitude.lt(from.minNormalCode()))
                .blend(shifted.or(F32_EXPONENT), magnitude.compare(VectorOperators.GE, from.overflowCode()));
        if (from.quietsNanOnWidening()) {
            bits = bits.lanewise(VectorOperators.OR, F32_QUIET,
                    magnitude.compare(VectorOperators.GE, from.firstNan()));
        }
        return bits.or(codes.and(from.signBit()).lanewise(VectorOperators.LSHL, from.signShift()));
    }

    private static IntVector load16(MemorySegment src, long offset) {
        return (IntVector) ShortVector.fromMemorySegment(SHORTS, src, offset, LE)
                .convertShape(VectorOperators.S2I, INTS, 0);
    }

    private static IntVector load8(MemorySegment src, long offset) {
        return (IntVector) ByteVector.fromMemorySegment(BYTES, src, offset, LE)
                .convertShape(VectorOperators.B2I, INTS, 0);
    }

    private static void store16(IntVector codes, MemorySegment dst, long offset) {
        codes.convertShape(VectorOperators.I2S, SHORTS, 0).intoMemorySegment(dst, offset, LE);
    }

    private static void store8(IntVector codes, MemorySegment dst, long offset) {
        codes.convertShape(VectorOperators.I2B, BYTES, 0).intoMemorySegment(dst, offset, LE);
    }
}
