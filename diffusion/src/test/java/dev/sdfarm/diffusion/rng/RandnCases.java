package dev.sdfarm.diffusion.rng;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The randn cases of a fixture file: a seed, the shapes of successive draws from one freshly seeded generator, and
 * which values of which draw were kept ({@code [draw, start, count]}); long draws also carry the SHA-256 of all
 * their values.
 */
final class RandnCases {
    private RandnCases() {
    }

    static Stream<DynamicTest> tests(String fileName, LongFunction<NoiseGenerator> seeded) {
        RngVectors vectors = RngVectors.load(fileName);
        return vectors.cases().stream().map(c -> DynamicTest.dynamicTest(describe(c), () -> check(vectors, c, seeded)));
    }

    private static String describe(Map<String, Object> c) {
        return "seed " + c.get("seed") + ", draws " + c.get("draws");
    }

    private static void check(RngVectors vectors, Map<String, Object> c, LongFunction<NoiseGenerator> seeded) {
        NoiseGenerator generator = seeded.apply(RngVectors.seed(c.get("seed")));
        List<?> draws = (List<?>) c.get("draws");
        float[][] values = new float[draws.size()][];
        for (int i = 0; i < values.length; i++) {
            values[i] = generator.randn(RngVectors.ints(draws.get(i)));
        }
        float[] expected = vectors.tensor((String) c.get("tensor"));
        int at = 0;
        for (Object k : (List<?>) c.get("keep")) {
            int[] keep = RngVectors.ints(k);
            FloatBits.assertSameBits(describe(c) + ", draw " + keep[0] + " from index " + keep[1], expected, at,
                    values[keep[0]], keep[1], keep[2]);
            at += keep[2];
        }
        assertEquals(expected.length, at, "kept values");
        if (c.containsKey("sha256")) {
            assertEquals(c.get("sha256"), sha256(values), describe(c) + ": SHA-256 of all values");
        }
    }

    static String sha256(float[]... arrays) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (float[] a : arrays) {
                ByteBuffer bytes = ByteBuffer.allocate(a.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(a);
                digest.update(bytes.array());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
