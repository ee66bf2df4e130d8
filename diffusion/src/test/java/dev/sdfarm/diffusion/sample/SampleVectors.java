package dev.sdfarm.diffusion.sample;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.DType;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.checkpoint.json.StrictJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sampler-vectors.safetensors}, written by {@code src/test/fixtures/sample/make_sampler_vectors.py} from
 * k-diffusion and A1111 (see the README there): float32 tensors, and the cases as JSON in the metadata.
 */
final class SampleVectors {
    private static SampleVectors instance;

    final Map<String, String> metadata;
    private final Map<String, float[]> tensors;

    private SampleVectors(Map<String, String> metadata, Map<String, float[]> tensors) {
        this.metadata = metadata;
        this.tensors = tensors;
    }

    static synchronized SampleVectors get() {
        if (instance == null) {
            instance = read();
        }
        return instance;
    }

    private static SampleVectors read() {
        URL url = SampleVectors.class.getResource("sampler-vectors.safetensors");
        if (url == null) {
            throw new IllegalStateException("missing test resource sampler-vectors.safetensors");
        }
        try (Checkpoint checkpoint = Checkpoint.open(Path.of(url.toURI()))) {
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
            return new SampleVectors(checkpoint.metadata(), tensors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    float[] tensor(String name) {
        float[] values = tensors.get(name);
        if (values == null) {
            throw new IllegalStateException("no tensor " + name);
        }
        return values;
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> cases(String key) {
        return (List<Map<String, Object>>) StrictJson.parse(metadata.get(key).getBytes(StandardCharsets.UTF_8));
    }

    /** The noise bank: tensor 0 is the initial latent noise, the rest the sampler draws in order. */
    List<float[]> samplerNoise() {
        int count = Integer.parseInt(metadata.get("noise_count"));
        float[][] out = new float[count - 1][];
        for (int i = 1; i < count; i++) {
            out[i - 1] = tensor("noise/" + i);
        }
        return List.of(out);
    }

    /** Counts the draws a sampler makes from {@link #samplerNoise()}. */
    static final class CountingNoise implements SamplerNoise {
        private final SamplerNoise inner;
        int count;

        CountingNoise(SamplerNoise inner) {
            this.inner = inner;
        }

        @Override
        public float[] next(float sigma, float sigmaNext) {
            count++;
            return inner.next(sigma, sigmaNext);
        }
    }

    /** The generator's toy models, in the same float32 operation order. */
    static Denoiser toyDenoiser(float[] bias) {
        return (x, sigma) -> {
            float c = 1f / (1f + sigma * sigma);
            float k = sigma / (1f + sigma);
            float[] out = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = x[i] * c + bias[i % bias.length] * k;
            }
            return out;
        };
    }

    static TimestepDenoiser toyEps(float[] bias) {
        return (x, t) -> {
            float a = t * 0.0005f + 0.2f;
            float b = t * 0.001f;
            float[] out = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = x[i] * a + bias[i % bias.length] * b;
            }
            return out;
        };
    }

    /** Compares every value; the message names the worst index (batch item and offset) and the first mismatch. */
    static void assertClose(String what, float[] expected, float[] actual, double absTol, double relTol) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": length " + actual.length + ", expected " + expected.length);
        }
        int bad = 0;
        int first = -1;
        int worst = -1;
        double worstErr = 0;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs((double) expected[i] - actual[i]);
            double allowed = absTol + relTol * Math.abs(expected[i]);
            boolean ok = err <= allowed || (Float.isNaN(expected[i]) && Float.isNaN(actual[i]))
                    || expected[i] == actual[i];
            if (!ok) {
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
            if (err > worstErr || Double.isNaN(err)) {
                worstErr = err;
                worst = i;
            }
        }
        if (System.getenv("SAMPLE_STATS") != null) {
            int exact = 0;
            for (int i = 0; i < expected.length; i++) {
                if (Float.floatToIntBits(expected[i]) == Float.floatToIntBits(actual[i])) {
                    exact++;
                }
            }
            System.err.printf("STAT %s exact %d/%d maxabs %.3g%n", what, exact, expected.length, worstErr);
        }
        if (bad > 0) {
            throw new AssertionError(String.format(
                    "%s: %d of %d values differ; first at [%d]: expected %s, got %s; worst at [%d]: expected %s, got %s (|diff| %.3g)",
                    what, bad, expected.length, first, expected[first], actual[first], worst, expected[worst],
                    actual[worst], worstErr));
        }
    }
}
