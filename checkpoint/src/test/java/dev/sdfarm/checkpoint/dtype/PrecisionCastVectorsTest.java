package dev.sdfarm.checkpoint.dtype;

import dev.sdfarm.checkpoint.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static dev.sdfarm.checkpoint.dtype.CastVectors.I16;
import static dev.sdfarm.checkpoint.dtype.CastVectors.I32;
import static dev.sdfarm.checkpoint.dtype.CastVectors.I64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bit-for-bit agreement with the reference vectors (torch 1.13 on CPU for fp16/bf16, cross-checked against
 * numpy; an exact Fraction oracle for fp8), through all three paths: the bulk {@link PrecisionCast#cast}
 * (vector kernels where the platform has them), the element-at-a-time {@link ScalarCasts} and the scalar
 * methods.
 */
class PrecisionCastVectorsTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("narrowingSets")
    void roundsFp32ToFp16LikeTorchBitForBit(String set) {
        assertNarrowsFp32(set, DType.F16);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("narrowingSets")
    void roundsFp32ToBf16LikeTorchBitForBit(String set) {
        assertNarrowsFp32(set, DType.BF16);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("narrowingSets")
    void roundsFp32ToE4M3FNLikeTheExactOracle(String set) {
        assertNarrowsFp32(set, DType.F8_E4M3FN);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("narrowingSets")
    void roundsFp32ToE5M2LikeTheExactOracle(String set) {
        assertNarrowsFp32(set, DType.F8_E5M2);
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "F8_E4M3FN", "F8_E5M2"})
    void widensEveryCodeToFp32ExactlyLikeTheReference(DType from) {
        MemorySegment codes = CastVectors.allCodes(from);
        MemorySegment expected = CastVectors.widening(from);
        long n = codes.byteSize() / from.size();
        assertBulkBothWays(codes, from, expected, DType.F32, n, 0, "every " + from + " code");
        for (int i = 0; i < n; i++) {
            int code = from.size() == 2 ? codes.get(I16, 2L * i) : codes.get(ValueLayout.JAVA_BYTE, i);
            float actual = switch (from) {
                case F16 -> PrecisionCast.halfToFloat((short) code);
                case BF16 -> PrecisionCast.bfloat16ToFloat((short) code);
                case F8_E4M3FN -> PrecisionCast.e4m3fnToFloat((byte) code);
                default -> PrecisionCast.e5m2ToFloat((byte) code);
            };
            assertBits(expected.get(I32, 4L * i), Float.floatToRawIntBits(actual), from + " code", code);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "F8_E4M3FN", "F8_E5M2"})
    void widensEveryCodeToFp64ExactlyThroughFp32(DType from) {
        MemorySegment codes = CastVectors.allCodes(from);
        MemorySegment f32 = CastVectors.widening(from);
        long n = codes.byteSize() / from.size();
        MemorySegment expected = MemorySegment.ofArray(new long[(int) n]);
        for (int i = 0; i < n; i++) {
            expected.setAtIndex(I64, i, f32ToF64ByRule(f32.get(I32, 4L * i)));
        }
        assertBulkBothWays(codes, from, expected, DType.F64, n, 0, "every " + from + " code");
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "F8_E4M3FN", "F8_E5M2"})
    void roundsFp64ThroughFp32LikeTorch(DType to) {
        CastVectors.Columns f64 = CastVectors.narrowingF64();
        long n = f64.count();
        assertBulkBothWays(f64.input(), DType.F64, f64.expected(to), to, n, expectedOverflows(f64, to),
                "fp64 set");
    }

    /**
     * F16, BF16 and the fp8 formats reach each other through fp32, so each code must give the reference result
     * for its widened fp32 value (every such value is an input of the f16-grid or bf16-grid set).
     */
    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("narrowPairs")
    void convertsBetweenNarrowFormatsThroughFp32(DType from, DType to) {
        MemorySegment codes = CastVectors.allCodes(from);
        MemorySegment widened = CastVectors.widening(from);
        int n = (int) (codes.byteSize() / from.size());
        MemorySegment expected = MemorySegment.ofArray(new byte[n * to.size()]);
        long overflows = 0;
        for (int i = 0; i < n; i++) {
            int f32 = widened.get(I32, 4L * i);
            int code;
            if (Float.isNaN(Float.intBitsToFloat(f32))) {
                code = canonicalNan(to) | (f32 < 0 ? signBit(to) : 0);
            } else {
                code = Fp32Lookup.INSTANCE.expected(f32, to);
                if (!isFinite(to, code) && Float.isFinite(Float.intBitsToFloat(f32))) {
                    overflows++;
                }
            }
            if (to.size() == 2) {
                expected.set(I16, 2L * i, (short) code);
            } else {
                expected.set(ValueLayout.JAVA_BYTE, i, (byte) code);
            }
        }
        assertBulkBothWays(codes, from, expected, to, n, overflows, "every " + from + " code");
    }

    @Test
    void specialVectorsReachEachTargetsOverflowAndSmallestSubnormal() {
        CastVectors.Columns specials = CastVectors.narrowing("specials");
        for (DType to : List.of(DType.F16, DType.BF16, DType.F8_E4M3FN, DType.F8_E5M2)) {
            boolean sawOverflow = false;
            boolean sawMinSubnormal = false;
            for (long i = 0; i < specials.count(); i++) {
                int code = (int) read(specials.expected(to), to, i);
                sawOverflow |= !isFinite(to, code);
                sawMinSubnormal |= (code & signBit(to) - 1) == 1;
            }
            assertTrue(sawOverflow && sawMinSubnormal, to + " specials reach overflow and the smallest subnormal");
        }
    }

    static Stream<String> narrowingSets() {
        return Arrays.stream(CastVectors.NARROWING_SETS);
    }

    static Stream<Arguments> narrowPairs() {
        List<DType> narrow = List.of(DType.F16, DType.BF16, DType.F8_E4M3FN, DType.F8_E5M2);
        List<Arguments> pairs = new ArrayList<>();
        for (DType from : narrow) {
            for (DType to : narrow) {
                if (from != to) {
                    pairs.add(Arguments.of(from, to));
                }
            }
        }
        return pairs.stream();
    }

    private static void assertNarrowsFp32(String set, DType to) {
        CastVectors.Columns vectors = CastVectors.narrowing(set);
        long n = vectors.count();
        MemorySegment input = vectors.input();
        MemorySegment expected = vectors.expected(to);
        assertBulkBothWays(input, DType.F32, expected, to, n, expectedOverflows(vectors, to), set);
        for (long i = 0; i < n; i++) {
            float f = Float.intBitsToFloat(input.get(I32, 4 * i));
            int actual = switch (to) {
                case F16 -> PrecisionCast.floatToHalf(f) & 0xFFFF;
                case BF16 -> PrecisionCast.floatToBFloat16(f) & 0xFFFF;
                case F8_E4M3FN -> PrecisionCast.floatToE4M3FN(f) & 0xFF;
                default -> PrecisionCast.floatToE5M2(f) & 0xFF;
            };
            assertBits(read(expected, to, i), actual, "scalar " + to + " of fp32", input.get(I32, 4 * i));
        }
    }

    /**
     * Runs the public bulk cast (vector kernels, for heap data through native staging buffers) and the
     * element-at-a-time cast, and checks both bit for bit. Native and mapped segments, which reach the kernels
     * directly, are covered in {@link PrecisionCastTest}.
     */
    static void assertBulkBothWays(MemorySegment input, DType from, MemorySegment expected, DType to, long n,
                                   long overflows, String what) {
        MemorySegment bulk = MemorySegment.ofArray(new byte[(int) (n * to.size())]);
        assertEquals(overflows, PrecisionCast.cast(input, 0, from, bulk, 0, to, n), what + ": overflow count");
        assertSameBits(input, from, expected, bulk, to, n, "bulk " + from + " -> " + to + ", " + what);
        MemorySegment scalar = MemorySegment.ofArray(new byte[(int) (n * to.size())]);
        assertEquals(overflows, ScalarCasts.cast(input, 0, from, scalar, 0, to, 0, n), what + ": overflow count");
        assertSameBits(input, from, expected, scalar, to, n, "element-wise " + from + " -> " + to + ", " + what);
    }

    static void assertSameBits(MemorySegment input, DType from, MemorySegment expected, MemorySegment actual,
                               DType to, long n, String what) {
        long mismatch = expected.asSlice(0, n * to.size()).mismatch(actual.asSlice(0, n * to.size()));
        if (mismatch >= 0) {
            long i = mismatch / to.size();
            long wrong = 0;
            for (long j = i; j < n; j++) {
                wrong += read(expected, to, j) != read(actual, to, j) ? 1 : 0;
            }
            fail(String.format("%s: %d of %d elements differ; first at %d: input %s, expected %s, got %s", what,
                    wrong, n, i, hex(read(input, from, i), from), hex(read(expected, to, i), to),
                    hex(read(actual, to, i), to)));
        }
    }

    private static void assertBits(long expected, long actual, String what, long input) {
        if (expected != actual) {
            fail(String.format("%s %#x: expected %#x, got %#x", what, input, expected, actual));
        }
    }

    private static long expectedOverflows(CastVectors.Columns vectors, DType to) {
        long overflows = 0;
        for (long i = 0; i < vectors.count(); i++) {
            if (isFinite(vectors.inputType(), read(vectors.input(), vectors.inputType(), i))
                    && !isFinite(to, read(vectors.expected(to), to, i))) {
                overflows++;
            }
        }
        return overflows;
    }

    /** Element {@code i} as unsigned bits (F64 as its raw long). */
    static long read(MemorySegment segment, DType type, long i) {
        return switch (type.size()) {
            case 8 -> segment.get(I64, 8 * i);
            case 4 -> segment.get(I32, 4 * i) & 0xFFFFFFFFL;
            case 2 -> segment.get(I16, 2 * i) & 0xFFFF;
            default -> segment.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
        };
    }

    /** Finite by the format definitions, independently of the code under test. */
    static boolean isFinite(DType type, long bits) {
        return switch (type) {
            case F64 -> (bits & 0x7FF0000000000000L) != 0x7FF0000000000000L;
            case F32 -> (bits & 0x7F800000) != 0x7F800000;
            case F16 -> (bits & 0x7C00) != 0x7C00;
            case BF16 -> (bits & 0x7F80) != 0x7F80;
            case F8_E4M3FN -> (bits & 0x7F) != 0x7F;
            case F8_E5M2 -> (bits & 0x7C) != 0x7C;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    static int signBit(DType type) {
        return type.size() == 2 ? 0x8000 : 0x80;
    }

    static int canonicalNan(DType type) {
        return switch (type) {
            case F16 -> 0x7E00;
            case BF16 -> 0x7FC0;
            default -> 0x7F;
        };
    }

    /** fp64 of an fp32 by the documented rule: Java's exact widening, NaN made quiet with payload kept. */
    static long f32ToF64ByRule(int f32) {
        float f = Float.intBitsToFloat(f32);
        if (!Float.isNaN(f)) {
            return Double.doubleToRawLongBits(f);
        }
        return (long) (f32 & 0x80000000) << 32 | 0x7FF8000000000000L | (long) (f32 & 0x007FFFFF) << 29;
    }

    private static String hex(long bits, DType type) {
        return String.format("%0" + 2 * type.size() + "x", bits);
    }

    /** Expected narrowings of fp32 values that the f16-grid and bf16-grid sets hold as inputs. */
    private static final class Fp32Lookup {
        static final Fp32Lookup INSTANCE = new Fp32Lookup();

        private final List<CastVectors.Columns> sets =
                List.of(CastVectors.narrowing("f16-grid"), CastVectors.narrowing("bf16-grid"));
        private final List<long[]> sortedInputs = new ArrayList<>();

        private Fp32Lookup() {
            for (CastVectors.Columns set : sets) {
                long[] inputs = new long[(int) set.count()];
                for (int i = 0; i < inputs.length; i++) {
                    inputs[i] = read(set.input(), DType.F32, i);
                }
                // The generator writes each set sorted by input bits.
                for (int i = 1; i < inputs.length; i++) {
                    if (inputs[i - 1] >= inputs[i]) {
                        throw new IllegalStateException("vector set not sorted at " + i);
                    }
                }
                sortedInputs.add(inputs);
            }
        }

        int expected(int f32, DType to) {
            long key = f32 & 0xFFFFFFFFL;
            for (int s = 0; s < sets.size(); s++) {
                int i = Arrays.binarySearch(sortedInputs.get(s), key);
                if (i >= 0) {
                    return (int) read(sets.get(s).expected(to), to, i);
                }
            }
            throw new IllegalStateException(String.format("fp32 %08x is in no vector set", f32));
        }
    }
}
