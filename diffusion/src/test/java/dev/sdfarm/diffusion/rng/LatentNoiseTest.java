package dev.sdfarm.diffusion.rng;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LatentNoiseTest {

    /**
     * {@code ImageRNG(...).next()} of A1111's {@code modules/rng.py} run with torch, bit for bit, from
     * {@code a1111-image-noise.safetensors}: batch seeds, variation strengths 0, 0.3, 0.5, 0.7 and 1.0, the
     * linear-blend branch (same seed and subseed), seed resizing both ways, eta noise seed delta, later draws.
     */
    @TestFactory
    Stream<DynamicTest> matchesA1111ImageRng() {
        RngVectors vectors = RngVectors.load("a1111-image-noise.safetensors");
        return vectors.cases().stream().map(c -> DynamicTest.dynamicTest((String) c.get("tensor"), () -> check(vectors, c)));
    }

    private static void check(RngVectors vectors, Map<String, Object> c) {
        int[] shape = RngVectors.ints(c.get("shape"));
        int[] resize = RngVectors.ints(c.get("resize"));
        SeedPlan plan = SeedPlan.of(RngVectors.longs(c.get("seeds")), RngVectors.longs(c.get("subseeds")),
                RngVectors.number(c.get("strength")));
        LatentNoise noise = new LatentNoise(NoiseSource.fromSetting((String) c.get("source")),
                new LatentShape(shape[0], shape[1], shape[2]), plan, resize[0], resize[1], (Long) c.get("ensd"));
        float[] expected = vectors.tensor((String) c.get("tensor"));
        int calls = Math.toIntExact((Long) c.get("calls"));
        int perImage = shape[0] * shape[1] * shape[2];
        int at = 0;
        for (int call = 0; call < calls; call++) {
            float[][] images = noise.next();
            assertEquals(plan.imageCount(), images.length);
            for (int image = 0; image < images.length; image++) {
                FloatBits.assertSameBits(c.get("tensor") + ", call " + call + ", image " + image, expected, at,
                        images[image], 0, perImage);
                at += perImage;
            }
        }
        assertEquals(expected.length, at, "values in the fixture");
    }

    @Test
    void gpuSourceDrawsThePhiloxNoise() {
        SeedPlan plan = SeedPlan.forImages(77, 0, 0, 2);
        LatentShape shape = LatentShape.forImage(64, 48);
        float[][] gpu = new LatentNoise(NoiseSource.GPU, shape, plan).next();
        float[][] nv = new LatentNoise(NoiseSource.NV, shape, plan).next();
        assertArrayEquals(nv, gpu);
        assertArrayEquals(new PhiloxNoise(78).randn(4, 6, 8), gpu[1]);
    }

    @Test
    void anyFactoryCanStandForTheSource() {
        SeedPlan plan = SeedPlan.forImages(3, 4, 0.5, 2);
        LatentShape shape = new LatentShape(4, 9, 8);
        assertArrayEquals(new LatentNoise(NoiseSource.CPU, shape, plan).next(),
                new LatentNoise(TorchCpuNoise::new, shape, plan).next());
        float[][] glibc = new LatentNoise(seed -> new TorchCpuNoise(seed, TorchCpuKernel.GLIBC), shape, plan).next();
        assertEquals(2, glibc.length);
    }

    @Test
    void withoutVariationEachImageIsItsSeedsFirstDraw() {
        LatentNoise noise = new LatentNoise(NoiseSource.CPU, new LatentShape(4, 5, 6), SeedPlan.forImages(10, 99, 0, 3));
        float[][] first = noise.next();
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(new TorchCpuNoise(10 + i).randn(4, 5, 6), first[i]);
        }
        float[][] second = noise.next();
        TorchCpuNoise continued = new TorchCpuNoise(11);
        continued.randn(4, 5, 6);
        assertArrayEquals(continued.randn(4, 5, 6), second[1]);
    }

    @Test
    void reusesTheCallersArrays() {
        LatentNoise noise = new LatentNoise(NoiseSource.NV, new LatentShape(4, 2, 2), SeedPlan.forImages(1, 2, 0.5, 2));
        float[][] out = {new float[16], new float[16]};
        noise.next(out);
        assertArrayEquals(new LatentNoise(NoiseSource.NV, new LatentShape(4, 2, 2), SeedPlan.forImages(1, 2, 0.5, 2)).next(), out);
        assertThrows(IllegalArgumentException.class, () -> noise.next(new float[1][16]));
    }

    @Test
    void latentShapeOfAnImage() {
        assertEquals(new LatentShape(4, 64, 64), LatentShape.forImage(512, 512));
        assertEquals(new LatentShape(4, 96, 128), LatentShape.forImage(1024, 768));
        assertEquals(new LatentShape(4, 95, 63), LatentShape.forImage(510, 767));
        assertEquals(List.of(16384), List.of(LatentShape.forImage(512, 512).elementCount()));
        assertThrows(IllegalArgumentException.class, () -> LatentShape.forImage(4, 512));
    }
}
