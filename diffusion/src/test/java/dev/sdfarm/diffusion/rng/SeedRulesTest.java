package dev.sdfarm.diffusion.rng;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import dev.sdfarm.checkpoint.json.StrictJson;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FixedSeed} and {@link SeedPlan} against A1111's {@code modules/processing.py}, from {@code a1111-seeds.json}. */
class SeedRulesTest {
    private static final long MARK = 0x5eed_5eed_5eedL;

    /** A "random" source that always answers {@link #MARK}, so a random seed is recognisable. */
    private static final RandomGenerator MARKING = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long nextLong(long bound) {
            assertEquals(FixedSeed.RANDOM_SEED_BOUND, bound);
            return MARK;
        }
    };

    @SuppressWarnings("unchecked")
    private static Map<String, Object> rules() {
        return (Map<String, Object>) RngVectors.json("a1111-seeds.json");
    }

    @Test
    @SuppressWarnings("unchecked")
    void fixedSeedMatchesGetFixedSeed() {
        for (Map<String, Object> c : (List<Map<String, Object>>) rules().get("fixed_seed")) {
            Object input = c.get("input");
            Object expected = c.get("expected");
            long actual = input instanceof Long number ? FixedSeed.of(number, MARKING)
                    : FixedSeed.of(input == StrictJson.NULL ? null : (String) input, MARKING);
            String what = "get_fixed_seed(" + (input instanceof String s ? "\"" + s.codePoints()
                    .mapToObj(cp -> cp < 128 && cp >= 32 ? Character.toString(cp) : String.format("\\u%04x", cp))
                    .reduce("", String::concat) + "\"" : input) + ")";
            if ("random".equals(expected)) {
                assertEquals(MARK, actual, what + " should pick a random seed");
            } else {
                long want = expected instanceof Long l ? l : ((java.math.BigInteger) expected).longValue();
                assertEquals(want, actual, what);
            }
        }
    }

    @Test
    void randomSeedsStayBelowTheBound() {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            long seed = FixedSeed.of(FixedSeed.RANDOM, random);
            assertTrue(seed >= 0 && seed < 4294967294L, "seed " + seed);
        }
    }

    @Test
    void seedsBeyondSixtyFourBitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> FixedSeed.of("18446744073709551616", MARKING));
        assertThrows(IllegalArgumentException.class, () -> FixedSeed.of("-9223372036854775809", MARKING));
    }

    @Test
    @SuppressWarnings("unchecked")
    void seedPlanMatchesProcessImagesInner() {
        for (Map<String, Object> c : (List<Map<String, Object>>) rules().get("seed_plans")) {
            int nIter = Math.toIntExact((Long) c.get("n_iter"));
            int batchSize = Math.toIntExact((Long) c.get("batch_size"));
            double strength = RngVectors.number(c.get("strength"));
            SeedPlan plan = SeedPlan.forImages((Long) c.get("seed"), (Long) c.get("subseed"), strength, nIter * batchSize);
            assertArrayEquals(RngVectors.longs(c.get("all_seeds")), plan.seeds(), "all_seeds of " + c);
            assertArrayEquals(RngVectors.longs(c.get("all_subseeds")), plan.subseeds(), "all_subseeds of " + c);
            List<Map<String, Object>> batches = (List<Map<String, Object>>) c.get("batches");
            for (int n = 0; n < nIter; n++) {
                SeedPlan batch = plan.batch(n, batchSize);
                assertArrayEquals(RngVectors.longs(batches.get(n).get("seeds")), batch.seeds(), "batch " + n + " of " + c);
                assertArrayEquals(RngVectors.longs(batches.get(n).get("subseeds")), batch.subseeds(), "batch " + n);
                assertEquals(strength, batch.subseedStrength());
            }
        }
    }

    @Test
    void variationOnlyWhenStrengthIsNotZero() {
        assertFalse(SeedPlan.forImages(1, 2, 0.0, 1).hasVariation());
        assertTrue(SeedPlan.forImages(1, 2, 0.01, 1).hasVariation());
        assertThrows(IllegalArgumentException.class, () -> SeedPlan.forImages(1, 2, Double.NaN, 1));
    }

    @Test
    void shortSubseedListsLeaveSubseedZero() {
        SeedPlan plan = SeedPlan.of(new long[] {5, 6, 7}, new long[] {9}, 0.4);
        assertEquals(9, plan.subseed(0));
        assertEquals(0, plan.subseed(2));
        assertEquals(0, plan.batch(3, 2).imageCount());
        assertEquals(SeedPlan.of(new long[] {7}, new long[] {}, 0.4), plan.batch(1, 2));
    }

    @Test
    void settingValues() {
        assertEquals(NoiseSource.GPU, NoiseSource.fromSetting("GPU"));
        assertEquals(NoiseSource.CPU, NoiseSource.fromSetting(" cpu "));
        assertEquals(NoiseSource.NV, NoiseSource.fromSetting("NV"));
        assertEquals("NV", NoiseSource.NV.settingValue());
        assertThrows(IllegalArgumentException.class, () -> NoiseSource.fromSetting("cuda"));
        assertEquals(TorchCpuNoise.class, NoiseSource.CPU.generator(1).getClass());
        assertEquals(PhiloxNoise.class, NoiseSource.GPU.generator(1).getClass());
    }
}
