package dev.sdfarm.checkpoint.safetensors;

import dev.sdfarm.checkpoint.CheckpointException;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.Storage;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.json.JsonException;
import dev.sdfarm.checkpoint.json.StrictJson;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strict reader of safetensors headers. A file is accepted only if its header is valid JSON in valid UTF-8
 * with no duplicate keys, every tensor has a known dtype, a shape whose byte size equals its data range, and
 * the data ranges tile the data area exactly: no overlap, no hole, nothing out of bounds, nothing after the
 * last tensor. {@code __metadata__} must map strings to strings.
 */
public final class SafetensorsReader {
    /** Largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final int MAX_RANK = 64;
    private static final String FIX = "The file is corrupt or was not written by a safetensors writer; "
            + "download or export it again";

    private SafetensorsReader() {
    }

    /**
     * A validated header.
     *
     * @param tensors   tensors ordered by data offset, each a whole {@link Storage} at its absolute file offset
     * @param metadata  the {@code __metadata__} map, in file order (empty when absent)
     * @param dataStart absolute offset of the data area (8 + header length)
     * @param headerLength the declared header length in bytes
     */
    public record Header(List<StoredTensor> tensors, Map<String, String> metadata, long dataStart, long headerLength) {
    }

    /** Reads and validates the header of the file open on {@code ch}, which is {@code size} bytes long. */
    public static Header readHeader(FileChannel ch, long size) throws IOException {
        if (size < 8) {
            throw new CheckpointException("file is shorter than the 8-byte safetensors header length", "byte 0", FIX);
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new CheckpointException("header length " + Long.toUnsignedString(n) + " exceeds the "
                    + MAX_HEADER_BYTES + "-byte limit", "byte 0", FIX);
        }
        if (8 + n > size) {
            throw new CheckpointException("header length " + n + " runs past the end of the " + size + "-byte file",
                    "byte 0", "The file is truncated or not a safetensors file; download it again");
        }
        ByteBuffer header = ByteBuffer.allocate((int) n);
        readFully(ch, header, 8);
        return parseHeader(header.array(), size);
    }

    /** Validates header bytes (the {@code n} bytes after the length) for a file of {@code fileSize} bytes. */
    public static Header parseHeader(byte[] headerBytes, long fileSize) {
        long dataStart = 8 + (long) headerBytes.length;
        if (headerBytes.length == 0 || headerBytes[0] != '{') {
            throw new CheckpointException("header does not start with '{'", "header byte 8", FIX);
        }
        Object root;
        try {
            root = StrictJson.parse(headerBytes);
        } catch (JsonException e) {
            throw new CheckpointException("invalid header JSON: " + e.getMessage(),
                    "header byte " + (8 + e.offset()), FIX);
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new CheckpointException("header is not a JSON object", "header byte 8", FIX);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals("__metadata__")) {
                metadata = metadata(e.getValue());
            } else {
                entries.add(entry(key, e.getValue()));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long dataSize = fileSize - dataStart;
        long expected = 0;
        List<StoredTensor> tensors = new ArrayList<>(entries.size());
        for (Entry en : entries) {
            if (en.begin > expected) {
                throw new CheckpointException("hole of " + (en.begin - expected) + " bytes before tensor data",
                        "tensor \"" + en.name + "\", data offset " + en.begin, FIX);
            }
            if (en.begin < expected) {
                throw new CheckpointException("tensor data overlaps the previous tensor",
                        "tensor \"" + en.name + "\", data offsets [" + en.begin + ", " + en.end + "]", FIX);
            }
            if (en.end > dataSize) {
                throw new CheckpointException("tensor data runs past the end of the file ("
                        + dataSize + " data bytes)", "tensor \"" + en.name + "\", data offsets ["
                        + en.begin + ", " + en.end + "]", "The file is truncated; download it again");
            }
            Storage storage = new Storage(en.name, en.dtype, dataStart + en.begin, en.end - en.begin);
            tensors.add(StoredTensor.contiguous(en.name, en.dtype, en.shape, storage));
            expected = en.end;
        }
        if (expected != dataSize) {
            throw new CheckpointException((dataSize - expected) + " bytes after the last tensor belong to no tensor",
                    "byte " + (dataStart + expected), FIX);
        }
        return new Header(tensors, metadata, dataStart, headerBytes.length);
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {
    }

    private static Map<String, String> metadata(Object v) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new CheckpointException("__metadata__ is not an object of strings", "key __metadata__", FIX);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new CheckpointException("__metadata__ value is not a string",
                        "key __metadata__." + e.getKey(), FIX);
            }
            out.put((String) e.getKey(), s);
        }
        return out;
    }

    private static final Set<String> TENSOR_FIELDS = Set.of("dtype", "shape", "data_offsets");

    private static Entry entry(String name, Object v) {
        String where = "tensor \"" + name + "\"";
        if (!(v instanceof Map<?, ?> m)) {
            throw new CheckpointException("tensor entry is not an object", where, FIX);
        }
        for (Object k : m.keySet()) {
            if (!TENSOR_FIELDS.contains(k)) {
                throw new CheckpointException("unknown field \"" + k + "\" in tensor entry", where, FIX);
            }
        }
        if (!(m.get("dtype") instanceof String dtypeName)) {
            throw new CheckpointException("missing or non-string dtype", where, FIX);
        }
        DType dtype = DType.fromSafetensorsName(dtypeName).orElseThrow(() -> new CheckpointException(
                "unknown dtype \"" + dtypeName + "\"", where,
                "sdfarm reads F64, F32, F16, BF16, F8_E4M3, F8_E5M2 and integer/bool dtypes"));
        if (!(m.get("shape") instanceof List<?> shapeList)) {
            throw new CheckpointException("missing or non-array shape", where, FIX);
        }
        if (shapeList.size() > MAX_RANK) {
            throw new CheckpointException("shape has " + shapeList.size() + " dimensions", where, FIX);
        }
        long[] shape = new long[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegative(shapeList.get(i), "shape", where);
        }
        if (!(m.get("data_offsets") instanceof List<?> offs) || offs.size() != 2) {
            throw new CheckpointException("data_offsets is not a pair [begin, end]", where, FIX);
        }
        long begin = nonNegative(offs.get(0), "data_offsets", where);
        long end = nonNegative(offs.get(1), "data_offsets", where);
        if (end < begin) {
            throw new CheckpointException("data_offsets end " + end + " is before begin " + begin, where, FIX);
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(StoredTensor.numel(shape), (long) dtype.size());
        } catch (ArithmeticException e) {
            throw new CheckpointException("shape is too large", where, FIX);
        }
        if (bytes != end - begin) {
            throw new CheckpointException("shape " + java.util.Arrays.toString(shape) + " of " + dtypeName
                    + " needs " + bytes + " bytes but data_offsets span " + (end - begin), where, FIX);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long nonNegative(Object v, String field, String where) {
        if (v instanceof Long l && l >= 0) {
            return l;
        }
        if (v instanceof BigInteger) {
            throw new CheckpointException(field + " value is too large", where, FIX);
        }
        throw new CheckpointException(field + " holds " + v + ", not a non-negative integer", where, FIX);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new CheckpointException("file ended inside the header", "byte " + pos, FIX);
            }
            pos += r;
        }
    }
}
