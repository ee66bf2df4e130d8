package dev.sdfarm.checkpoint.dtype;

import dev.sdfarm.checkpoint.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;

import static dev.sdfarm.checkpoint.dtype.CastVectors.I32;
import static dev.sdfarm.checkpoint.dtype.CastVectors.I64;
import static dev.sdfarm.checkpoint.dtype.PrecisionCastVectorsTest.canonicalNan;
import static dev.sdfarm.checkpoint.dtype.PrecisionCastVectorsTest.f32ToF64ByRule;
import static dev.sdfarm.checkpoint.dtype.PrecisionCastVectorsTest.read;
import static dev.sdfarm.checkpoint.dtype.PrecisionCastVectorsTest.signBit;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The NaN and overflow rules, F64 paths, and the bulk plumbing: lengths, offsets, segment kinds, errors. */
class PrecisionCastTest {

    private static final List<DType> FLOATS = List.of(DType.F64, DType.F32, DType.F16, DType.BF16,
            DType.F8_E4M3FN, DType.F8_E5M2);
    private static final int[] F32_NANS = {0x7FC00000, 0x7F800001, 0x7FBFFFFF, 0x7FFFFFFF, 0x7FC12345,
            0x7F900000, 0xFFC00000, 0xFF800001, 0xFFFFFFFF, 0xFFA5A5A5};

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "F8_E4M3FN", "F8_E5M2"})
    void narrowsEveryNanToTheCanonicalQuietNanKeepingItsSign(DType to) {
        // 100 elements: the vector body and the scalar tail both see every pattern.
        int n = 100;
        MemorySegment f32 = MemorySegment.ofArray(new int[n]);
        MemorySegment f64 = MemorySegment.ofArray(new long[n]);
        for (int i = 0; i < n; i++) {
            int nan = F32_NANS[i % F32_NANS.length];
            f32.setAtIndex(I32, i, nan);
            f64.setAtIndex(I64, i, f32ToF64ByRule(nan) ^ (long) (i % 3) << 20);
        }
        for (var source : List.of(new Object[] {f32, DType.F32}, new Object[] {f64, DType.F64})) {
            MemorySegment out = MemorySegment.ofArray(new byte[n * to.size()]);
            assertEquals(0, PrecisionCast.cast((MemorySegment) source[0], 0, (DType) source[1], out, 0, to, n));
            for (int i = 0; i < n; i++) {
                int nan = F32_NANS[i % F32_NANS.length];
                int expected = canonicalNan(to) | (nan < 0 ? signBit(to) : 0);
                assertEquals(expected, read(out, to, i), () -> String.format("%s of NaN %08x", to, nan));
            }
        }
        for (int nan : F32_NANS) {
            float f = Float.intBitsToFloat(nan);
            int expected = canonicalNan(to) | (nan < 0 ? signBit(to) : 0);
            int actual = switch (to) {
                case F16 -> PrecisionCast.floatToHalf(f) & 0xFFFF;
                case BF16 -> PrecisionCast.floatToBFloat16(f) & 0xFFFF;
                case F8_E4M3FN -> PrecisionCast.floatToE4M3FN(f) & 0xFF;
                default -> PrecisionCast.floatToE5M2(f) & 0xFF;
            };
            assertEquals(expected, actual, () -> String.format("scalar %s of NaN %08x", to, nan));
        }
    }

    @Test
    void widensNanKeepingSignAndPayload() {
        assertEquals(0x7FC02000, Float.floatToRawIntBits(PrecisionCast.halfToFloat((short) 0x7C01)));
        assertEquals(0xFFC00000, Float.floatToRawIntBits(PrecisionCast.halfToFloat((short) 0xFE00)));
        assertEquals(0x7F810000, Float.floatToRawIntBits(PrecisionCast.bfloat16ToFloat((short) 0x7F81)));
        assertEquals(0xFFF00000, Float.floatToRawIntBits(PrecisionCast.e4m3fnToFloat((byte) 0xFF)));
        assertEquals(0x7FE00000, Float.floatToRawIntBits(PrecisionCast.e5m2ToFloat((byte) 0x7D)));
        assertEquals(0x7FF8000020000000L, castLong(0x7F800001, DType.F32, DType.F64));
        assertEquals(0xFFF8000000000000L, castLong(0xFE00, DType.F16, DType.F64));
        assertEquals(0x7FC91A2BL, castLong(0x7FF123456789ABCDL, DType.F64, DType.F32));
        assertEquals(0xFFC00000L, castLong(0xFFF0000000000001L, DType.F64, DType.F32));
    }

    @Test
    void e4m3fnHasNoInfinitySoOverflowAndInfinityBecomeNan() {
        float[] in = {448f, 464f, Math.nextUp(464f), 480f, -1e6f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, Math.nextDown(464f), -0f};
        assertNarrows(in, DType.F8_E4M3FN, new int[] {0x7E, 0x7E, 0x7F, 0x7F, 0xFF, 0x7F, 0xFF, 0x7F, 0x7E, 0x80},
                3);
    }

    @Test
    void e5m2OverflowsToInfinityFromTheHalfwayPointAbove57344() {
        float[] in = {57344f, Math.nextDown(61440f), 61440f, -1e5f, Float.NEGATIVE_INFINITY, Float.NaN,
                0x1p-16f, 0x1p-17f, Math.nextUp(0x1p-17f)};
        assertNarrows(in, DType.F8_E5M2, new int[] {0x7B, 0x7B, 0x7C, 0xFC, 0xFC, 0x7F, 0x01, 0x00, 0x01}, 2);
    }

    @Test
    void fp16OverflowsToInfinityFromTheHalfwayPointAbove65504() {
        float[] in = {65504f, Math.nextDown(65520f), 65520f, -65520f, Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                0x1p-24f, 0x1p-25f, Math.nextUp(0x1p-25f), 0x1.8p-24f};
        assertNarrows(in, DType.F16, new int[] {0x7BFF, 0x7BFF, 0x7C00, 0xFC00, 0x7C00, 0x7C00, 0x0001, 0x0000,
                0x0001, 0x0002}, 3);
    }

    @Test
    void bf16OverflowsOnlyWhenRoundingPastTheLargestFloat() {
        float[] in = {Float.intBitsToFloat(0x7F7F7FFF), Float.intBitsToFloat(0x7F7F8000), Float.MAX_VALUE,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.intBitsToFloat(0x00008000),
                Float.intBitsToFloat(0x00018000)};
        assertNarrows(in, DType.BF16, new int[] {0x7F7F, 0x7F80, 0x7F80, 0xFF80, 0x0000, 0x0000, 0x0002}, 2);
    }

    /**
     * PyTorch turns a double into a Half or BFloat16 through float, so a double just above a halfway point
     * can first round onto it and then tie to even: 1 + 2^-11 + 2^-40 gives 1.0, not the nearer 1 + 2^-10.
     */
    @Test
    void roundsFp64ToFp16AndBf16ThroughFp32LikeTorch() {
        assertEquals(0x3C00, castLong(Double.doubleToRawLongBits(1 + 0x1p-11 + 0x1p-40), DType.F64, DType.F16));
        assertEquals(0x3F80, castLong(Double.doubleToRawLongBits(1 + 0x1p-8 + 0x1p-40), DType.F64, DType.BF16));
        assertEquals(0x3F800000, castLong(Double.doubleToRawLongBits(1 + 0x1p-24), DType.F64, DType.F32));
        assertEquals(0x3F800001,
                castLong(Double.doubleToRawLongBits(1 + 0x1p-24 + 0x1p-50), DType.F64, DType.F32));
    }

    @Test
    void countsFp64OverflowsOfFiniteInputsOnly() {
        double[] in = {1e39, -Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NaN, 70000, 1};
        MemorySegment src = MemorySegment.ofArray(in);
        assertEquals(2, PrecisionCast.cast(src, 0, DType.F64, MemorySegment.ofArray(new float[6]), 0, DType.F32, 6));
        assertEquals(3, PrecisionCast.cast(src, 0, DType.F64, MemorySegment.ofArray(new short[6]), 0, DType.F16, 6));
        assertEquals(2, PrecisionCast.cast(src, 0, DType.F64, MemorySegment.ofArray(new short[6]), 0, DType.BF16,
                6));
        assertEquals(3, PrecisionCast.cast(src, 0, DType.F64, MemorySegment.ofArray(new byte[6]), 0,
                DType.F8_E4M3FN, 6));
    }

    @Test
    void widensFp32ToFp64ExactlyAndBackUnchanged() {
        CastVectors.Columns random = CastVectors.narrowing("random");
        int n = (int) random.count();
        MemorySegment f64 = MemorySegment.ofArray(new long[n]);
        assertEquals(0, PrecisionCast.cast(random.input(), 0, DType.F32, f64, 0, DType.F64, n));
        MemorySegment back = MemorySegment.ofArray(new int[n]);
        assertEquals(0, PrecisionCast.cast(f64, 0, DType.F64, back, 0, DType.F32, n));
        for (int i = 0; i < n; i++) {
            int bits = random.input().get(I32, 4L * i);
            assertEquals(f32ToF64ByRule(bits), f64.getAtIndex(I64, i));
            assertEquals(bits, back.getAtIndex(I32, i));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F16", "BF16", "F8_E4M3FN", "F8_E5M2"})
    void scalarMethodsRoundTripEveryNonNanCode(DType type) {
        int codes = 1 << 8 * type.size();
        IntUnaryOperator roundTrip = switch (type) {
            case F16 -> c -> PrecisionCast.floatToHalf(PrecisionCast.halfToFloat((short) c)) & 0xFFFF;
            case BF16 -> c -> PrecisionCast.floatToBFloat16(PrecisionCast.bfloat16ToFloat((short) c)) & 0xFFFF;
            case F8_E4M3FN -> c -> PrecisionCast.floatToE4M3FN(PrecisionCast.e4m3fnToFloat((byte) c)) & 0xFF;
            default -> c -> PrecisionCast.floatToE5M2(PrecisionCast.e5m2ToFloat((byte) c)) & 0xFF;
        };
        for (int code = 0; code < codes; code++) {
            boolean nan = Float.isNaN(Float.intBitsToFloat(ScalarCasts.format(type).toFloatBits(code)));
            int expected = nan ? canonicalNan(type) | code & signBit(type) : code;
            assertEquals(expected, roundTrip.applyAsInt(code), type + " code " + Integer.toHexString(code));
        }
    }

    @Test
    void sameDtypeIsAPlainCopyEvenForNanBitsAndOverlappingRanges() {
        short[] halves = {(short) 0x7C01, (short) 0xFFFF, 0x3C00, (short) 0x8000, 0x7E00, 1};
        MemorySegment segment = MemorySegment.ofArray(new short[8]);
        MemorySegment.copy(MemorySegment.ofArray(halves), 0, segment, 0, 12);
        assertEquals(0, PrecisionCast.cast(segment, 0, DType.F16, segment, 4, DType.F16, 6));
        short[] expected = {(short) 0x7C01, (short) 0xFFFF, (short) 0x7C01, (short) 0xFFFF, 0x3C00,
                (short) 0x8000, 0x7E00, 1};
        assertArrayEquals(expected, segment.toArray(ValueLayout.JAVA_SHORT));
    }

    @Test
    void rejectsNonFloatDtypes() {
        MemorySegment buffer = MemorySegment.ofArray(new byte[64]);
        for (DType type : DType.values()) {
            if (!type.isFloatingPoint()) {
                assertThrows(IllegalArgumentException.class,
                        () -> PrecisionCast.cast(buffer, 0, type, buffer, 32, DType.F32, 1));
                assertThrows(IllegalArgumentException.class,
                        () -> PrecisionCast.cast(buffer, 0, DType.F32, buffer, 32, type, 1));
                assertThrows(IllegalArgumentException.class,
                        () -> PrecisionCast.cast(buffer, 0, type, buffer, 32, type, 1));
            }
        }
    }

    @Test
    void rejectsBadCountsRangesOverlapAndReadOnlyDestinations() {
        MemorySegment buffer = MemorySegment.ofArray(new byte[64]);
        assertThrows(IllegalArgumentException.class,
                () -> PrecisionCast.cast(buffer, 0, DType.F32, buffer, 32, DType.F16, -1));
        assertThrows(IndexOutOfBoundsException.class,
                () -> PrecisionCast.cast(buffer, 0, DType.F32, buffer, 32, DType.F16, 17));
        assertThrows(IndexOutOfBoundsException.class,
                () -> PrecisionCast.cast(buffer, 0, DType.F32, buffer, 40, DType.F64, 4));
        assertThrows(IndexOutOfBoundsException.class,
                () -> PrecisionCast.cast(buffer, -1, DType.F16, buffer, 32, DType.F16, 1));
        assertThrows(IndexOutOfBoundsException.class,
                () -> PrecisionCast.cast(buffer, 0, DType.F16, buffer, 0, DType.F32, Long.MAX_VALUE / 3));
        assertThrows(IllegalArgumentException.class,
                () -> PrecisionCast.cast(buffer, 0, DType.F32, buffer, 8, DType.F16, 4));
        MemorySegment readOnly = MemorySegment.ofArray(new byte[64]).asReadOnly();
        for (int count : new int[] {1, 32}) {
            assertThrows(IllegalArgumentException.class,
                    () -> PrecisionCast.cast(buffer, 0, DType.F16, readOnly, 0, DType.BF16, count));
        }
        assertEquals(0, PrecisionCast.cast(buffer, 64, DType.F32, buffer, 64, DType.F16, 0));
    }

    /**
     * Every pair, at lengths around the vector width and byte offsets that break any alignment, on heap and
     * native segments: the result must equal the element-at-a-time conversion, the bytes around the
     * destination range must stay untouched, and the overflow counts must agree.
     */
    @Test
    void convertsAnyLengthAtUnalignedOffsetsOnHeapAndNativeSegments() {
        List<Integer> lengths = new ArrayList<>();
        for (int i = 0; i <= 40; i++) {
            lengths.add(i);
        }
        lengths.addAll(List.of(63, 64, 65, 127, 128, 129, 1030));
        // Heap data of 1024 elements or more is staged through native buffers, chunk by chunk.
        int staged = (int) (2 * VectorCasts.STAGING_CHUNK + 37);
        byte[] noise = new byte[8 * staged];
        new Random(7).nextBytes(noise);
        long[][] offsets = {{0, 0}, {1, 3}, {3, 1}, {7, 2}};
        try (Arena arena = Arena.ofConfined()) {
            for (boolean nativeMemory : new boolean[] {false, true}) {
                MemorySegment src = segment(arena, nativeMemory, noise.length + 8);
                MemorySegment.copy(MemorySegment.ofArray(noise), 0, src, 8, noise.length);
                MemorySegment dst = segment(arena, nativeMemory, noise.length + 16);
                for (DType from : FLOATS) {
                    for (DType to : FLOATS) {
                        for (int length : lengths) {
                            for (long[] offset : offsets) {
                                assertCastMatchesElementWise(src, offset[0], from, dst, offset[1], to, length);
                            }
                        }
                        if (!nativeMemory) {
                            assertCastMatchesElementWise(src, 5, from, dst, 6, to, staged);
                        }
                    }
                }
            }
        }
    }

    @Test
    void convertsBetweenMappedFiles(@TempDir Path dir) throws IOException {
        CastVectors.Columns random = CastVectors.narrowing("random");
        int n = (int) random.count();
        Path in = Files.write(dir.resolve("in.f32"), random.input().toArray(ValueLayout.JAVA_BYTE));
        Path out = dir.resolve("out.f16");
        try (Arena arena = Arena.ofConfined();
             FileChannel source = FileChannel.open(in, StandardOpenOption.READ);
             FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                     StandardOpenOption.WRITE)) {
            MemorySegment src = source.map(FileChannel.MapMode.READ_ONLY, 0, 4L * n, arena);
            MemorySegment dst = target.map(FileChannel.MapMode.READ_WRITE, 1, 2L * n, arena);
            PrecisionCast.cast(src, 0, DType.F32, dst, 0, DType.F16, n);
        }
        byte[] written = Files.readAllBytes(out);
        MemorySegment actual = MemorySegment.ofArray(written).asSlice(1);
        PrecisionCastVectorsTest.assertSameBits(random.input(), DType.F32, random.expected(DType.F16), actual,
                DType.F16, n, "mapped F32 -> F16");
    }

    private static void assertCastMatchesElementWise(MemorySegment src, long srcOffset, DType from,
                                                     MemorySegment dst, long dstOffset, DType to, int length) {
        // A vector store running past the range would land within 64 bytes after it.
        long end = dstOffset + (long) length * to.size();
        MemorySegment guarded = dst.asSlice(0, Math.min(dst.byteSize(), end + 64));
        guarded.fill((byte) 0x5A);
        long overflows = PrecisionCast.cast(src, srcOffset, from, dst, dstOffset, to, length);

        String what = from + " -> " + to + ", length " + length + ", offsets " + srcOffset + "/" + dstOffset;
        MemorySegment input = src.asSlice(srcOffset, (long) length * from.size());
        MemorySegment expected = MemorySegment.ofArray(new byte[length * to.size()]);
        long expectedOverflows = 0;
        if (from == to) {
            expected.copyFrom(input);
        } else {
            expectedOverflows = ScalarCasts.cast(input, 0, from, expected, 0, to, 0, length);
        }
        PrecisionCastVectorsTest.assertSameBits(input, from, expected, dst.asSlice(dstOffset), to, length, what);
        assertEquals(expectedOverflows, overflows, what + ": overflow count");
        for (long b = 0; b < guarded.byteSize(); b = b + 1 == dstOffset ? end : b + 1) {
            if (b < dstOffset || b >= end) {
                assertEquals((byte) 0x5A, dst.get(ValueLayout.JAVA_BYTE, b), what + ": byte " + b + " touched");
            }
        }
    }

    private static MemorySegment segment(Arena arena, boolean nativeMemory, int size) {
        return nativeMemory ? arena.allocate(size) : MemorySegment.ofArray(new byte[size]);
    }

    private static void assertNarrows(float[] in, DType to, int[] expected, long overflows) {
        int n = in.length;
        // Repeated past a vector's length so that both the vector body and the tail see each value.
        int copies = 40;
        MemorySegment src = MemorySegment.ofArray(new float[n * copies]);
        for (int c = 0; c < copies; c++) {
            MemorySegment.copy(MemorySegment.ofArray(in), 0, src, 4L * n * c, 4L * n);
        }
        MemorySegment out = MemorySegment.ofArray(new byte[n * copies * to.size()]);
        assertEquals(overflows * copies, PrecisionCast.cast(src, 0, DType.F32, out, 0, to, (long) n * copies));
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < n * copies; i++) {
            if (read(out, to, i) != expected[i % n]) {
                wrong.add(String.format("%s -> %x", in[i % n], read(out, to, i)));
            }
        }
        assertEquals(List.of(), wrong, to + ": expected " + Arrays.toString(expected));
    }

    private static long castLong(long bits, DType from, DType to) {
        MemorySegment src = MemorySegment.ofArray(new byte[8]);
        src.set(I64, 0, bits);
        MemorySegment dst = MemorySegment.ofArray(new byte[8]);
        PrecisionCast.cast(src, 0, from, dst, 0, to, 1);
        return read(dst, to, 0);
    }
}
