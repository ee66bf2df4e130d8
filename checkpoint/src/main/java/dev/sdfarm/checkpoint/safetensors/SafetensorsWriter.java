package dev.sdfarm.checkpoint.safetensors;

import dev.sdfarm.checkpoint.ByteSink;
import dev.sdfarm.checkpoint.OutputTensor;
import dev.sdfarm.checkpoint.json.JsonWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes safetensors files as a stream: the header (computed up front from shapes and dtypes), then each
 * tensor's bytes. Tensors are laid out in canonical order — larger element size first, then by name, as
 * the reference writer does — so every tensor is naturally aligned and the same input always gives the
 * same bytes. The header is padded with spaces to a multiple of 8 bytes.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    /** The canonical data order: element size descending, then name. */
    public static List<OutputTensor> canonicalOrder(Collection<OutputTensor> tensors) {
        List<OutputTensor> list = new ArrayList<>(tensors);
        list.sort(Comparator.comparingInt((OutputTensor t) -> -t.dtype().size()).thenComparing(OutputTensor::name));
        return list;
    }

    /** The 8-byte length plus the padded header for {@code tensors} written in canonical order. */
    public static byte[] headerBytes(Collection<OutputTensor> tensors, Map<String, String> metadata) {
        List<OutputTensor> ordered = canonicalOrder(tensors);
        StringBuilder sb = new StringBuilder();
        sb.append('{');
        boolean first = true;
        if (!metadata.isEmpty()) {
            JsonWriter.quote(sb, "__metadata__");
            sb.append(':').append(JsonWriter.compact(metadata));
            first = false;
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (OutputTensor t : ordered) {
            if (!t.isWholeStorage()) {
                throw new IllegalArgumentException(t.name() + " is a view; safetensors needs whole tensors");
            }
            if (t.name().equals("__metadata__") || !names.add(t.name())) {
                throw new IllegalArgumentException("duplicate or reserved tensor name " + t.name());
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            JsonWriter.quote(sb, t.name());
            sb.append(":{\"dtype\":\"").append(t.dtype().safetensorsName()).append("\",\"shape\":");
            sb.append(JsonWriter.compact(t.shape()));
            long end = offset + t.byteSize();
            sb.append(",\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(json);
        while (out.hasRemaining()) {
            out.put((byte) ' ');
        }
        return out.array();
    }

    /** Total file size for these tensors and metadata. */
    public static long fileSize(Collection<OutputTensor> tensors, Map<String, String> metadata) {
        long n = headerBytes(tensors, metadata).length;
        for (OutputTensor t : tensors) {
            n += t.byteSize();
        }
        return n;
    }

    /** Writes the whole file to {@code sink}. */
    public static void write(Collection<OutputTensor> tensors, Map<String, String> metadata, ByteSink sink)
            throws IOException {
        sink.write(ByteBuffer.wrap(headerBytes(tensors, metadata)));
        for (OutputTensor t : canonicalOrder(tensors)) {
            CountingSink counted = new CountingSink(sink);
            t.storage().data().writeTo(counted);
            if (counted.count != t.byteSize()) {
                throw new IllegalStateException("tensor " + t.name() + " produced " + counted.count
                        + " bytes, expected " + t.byteSize());
            }
        }
    }

    private static final class CountingSink implements ByteSink {
        private final ByteSink target;
        private long count;

        CountingSink(ByteSink target) {
            this.target = target;
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            count += bytes.remaining();
            target.write(bytes);
        }
    }
}
