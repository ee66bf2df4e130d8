package dev.sdfarm.checkpoint.dtype;

import dev.sdfarm.checkpoint.DType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * Reference vectors from {@code src/test/resources/dtype}, written by
 * {@code src/test/fixtures/dtype/make_cast_vectors.py} (torch, numpy and an exact Fraction oracle).
 * Each set is split into one little-endian heap segment per column, ready to be cast in bulk.
 */
final class CastVectors {

    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The fp32 narrowing sets, all NaN-free. */
    static final String[] NARROWING_SETS = {"specials", "midpoints", "f16-grid", "bf16-grid", "random"};

    /** Record layouts: input column first, then the expected result per target dtype. */
    private static final DType[] NARROWING_COLUMNS = {DType.F32, DType.F16, DType.BF16, DType.F8_E4M3FN,
            DType.F8_E5M2};
    private static final DType[] F64_COLUMNS = {DType.F64, DType.F32, DType.F16, DType.BF16, DType.F8_E4M3FN,
            DType.F8_E5M2};

    private static final Map<String, Columns> CACHE = new ConcurrentHashMap<>();

    private CastVectors() {
    }

    /** One vector set: {@code count} inputs and the expected outputs, by dtype. */
    record Columns(long count, DType inputType, Map<DType, MemorySegment> columns) {
        MemorySegment input() {
            return columns.get(inputType);
        }

        MemorySegment expected(DType type) {
            return columns.get(type);
        }
    }

    /** {@code narrow-<set>.bin.gz}: fp32 inputs with their fp16, bf16, e4m3fn and e5m2 results. */
    static Columns narrowing(String set) {
        return CACHE.computeIfAbsent(set, s -> split(read("narrow-" + s + ".bin.gz"), NARROWING_COLUMNS));
    }

    /** {@code narrow-f64.bin.gz}: fp64 inputs with their fp32, fp16, bf16, e4m3fn and e5m2 results. */
    static Columns narrowingF64() {
        return CACHE.computeIfAbsent("f64", s -> split(read("narrow-f64.bin.gz"), F64_COLUMNS));
    }

    /** The fp32 bits of every code of a format narrower than fp32, indexed by code. */
    static MemorySegment widening(DType from) {
        String name = switch (from) {
            case F16 -> "widen-f16.bin.gz";
            case BF16 -> "widen-bf16.bin.gz";
            case F8_E4M3FN -> "widen-e4m3fn.bin";
            case F8_E5M2 -> "widen-e5m2.bin";
            default -> throw new IllegalArgumentException(from.toString());
        };
        return CACHE.computeIfAbsent(name, n -> new Columns(1 << 8 * from.size(), DType.F32,
                Map.of(DType.F32, MemorySegment.ofArray(read(n))))).input();
    }

    /** Every code of a 1- or 2-byte dtype, in order, as a little-endian segment. */
    static MemorySegment allCodes(DType type) {
        int n = 1 << 8 * type.size();
        MemorySegment codes = MemorySegment.ofArray(new byte[n * type.size()]);
        for (int code = 0; code < n; code++) {
            if (type.size() == 2) {
                codes.set(I16, 2L * code, (short) code);
            } else {
                codes.set(ValueLayout.JAVA_BYTE, code, (byte) code);
            }
        }
        return codes;
    }

    private static Columns split(byte[] records, DType[] layout) {
        int recordSize = 0;
        for (DType type : layout) {
            recordSize += type.size();
        }
        if (records.length % recordSize != 0) {
            throw new IllegalStateException("truncated vector file: " + records.length + " bytes");
        }
        int count = records.length / recordSize;
        Map<DType, MemorySegment> columns = new EnumMap<>(DType.class);
        int fieldOffset = 0;
        for (DType type : layout) {
            int size = type.size();
            byte[] column = new byte[count * size];
            for (int i = 0, from = fieldOffset, to = 0; i < count; i++, from += recordSize - size) {
                for (int b = 0; b < size; b++) {
                    column[to++] = records[from++];
                }
            }
            columns.put(type, MemorySegment.ofArray(column));
            fieldOffset += size;
        }
        return new Columns(count, layout[0], columns);
    }

    private static byte[] read(String name) {
        InputStream raw = CastVectors.class.getResourceAsStream("/dtype/" + name);
        if (raw == null) {
            throw new IllegalStateException("missing test resource /dtype/" + name);
        }
        try (InputStream in = name.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
