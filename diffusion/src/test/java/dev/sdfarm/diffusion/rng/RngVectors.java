package dev.sdfarm.diffusion.rng;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.json.StrictJson;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reference vectors from {@code src/test/resources/dev/sdfarm/diffusion/rng}, written by
 * {@code src/test/fixtures/rng/make_rng_vectors.py} from PyTorch and AUTOMATIC1111's code (see the README there).
 * A safetensors file holds float32 tensors and, in its metadata, a JSON list of the cases they belong to.
 */
final class RngVectors {
    private static final Map<String, RngVectors> CACHE = new ConcurrentHashMap<>();

    private final Map<String, String> metadata;
    private final Map<String, float[]> tensors;

    private RngVectors(Map<String, String> metadata, Map<String, float[]> tensors) {
        this.metadata = metadata;
        this.tensors = tensors;
    }

    static RngVectors load(String fileName) {
        return CACHE.computeIfAbsent(fileName, RngVectors::read);
    }

    private static RngVectors read(String fileName) {
        try (Checkpoint checkpoint = Checkpoint.open(resourcePath(fileName))) {
            Map<String, float[]> tensors = new HashMap<>();
            for (StoredTensor t : checkpoint.tensors()) {
                if (t.dtype() != DType.F32) {
                    throw new IllegalStateException(t.name() + " is " + t.dtype());
                }
                ByteBuffer bytes = ByteBuffer.wrap(checkpoint.readAll(t)).order(ByteOrder.LITTLE_ENDIAN);
                float[] values = new float[(int) t.numel()];
                bytes.asFloatBuffer().get(values);
                tensors.put(t.name(), values);
            }
            return new RngVectors(checkpoint.metadata(), tensors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path resourcePath(String fileName) {
        URL url = RngVectors.class.getResource(fileName);
        if (url == null) {
            throw new IllegalStateException("missing test resource " + fileName);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Object json(String fileName) {
        try (InputStream in = RngVectors.class.getResourceAsStream(fileName)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + fileName);
            }
            return StrictJson.parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String metadata(String key) {
        return metadata.get(key);
    }

    /** The {@code cases} metadata entry: one JSON object per case. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> cases() {
        return (List<Map<String, Object>>) StrictJson.parse(metadata.get("cases").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    float[] tensor(String name) {
        float[] values = tensors.get(name);
        if (values == null) {
            throw new IllegalStateException("no tensor " + name);
        }
        return values;
    }

    // --- JSON helpers --------------------------------------------------------------------------------------

    static int[] ints(Object list) {
        List<?> values = (List<?>) list;
        int[] out = new int[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact((Long) values.get(i));
        }
        return out;
    }

    static long[] longs(Object list) {
        List<?> values = (List<?>) list;
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (Long) values.get(i);
        }
        return out;
    }

    /** A seed written as a decimal string: a Python int in [-2^63, 2^64), as its 64-bit two's complement. */
    static long seed(Object decimal) {
        return new java.math.BigInteger((String) decimal).longValue();
    }

    static double number(Object value) {
        return ((Number) value).doubleValue();
    }
}
