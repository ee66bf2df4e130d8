package dev.sdfarm.diffusion.rng;

import java.util.Arrays;

/**
 * The seed and variation seed ("subseed") of every image of a job, and the variation strength, by
 * AUTOMATIC1111's rules ({@code process_images_inner} in {@code modules/processing.py}).
 *
 * <p>Image {@code i} of a job (counting over all batches) gets seed {@code seed + i} and subseed
 * {@code subseed + i}, with one quirk: when the variation strength is not 0, every image keeps the same seed and
 * only the subseeds count up. Seeds should already be fixed ({@link FixedSeed}); arithmetic wraps at 64 bits.
 * A1111 also accepts explicit lists, which {@link #of(long[], long[], double)} takes as given; an image without a
 * subseed of its own uses subseed 0, as {@code ImageRNG} does.
 */
public final class SeedPlan {
    private final long[] seeds;
    private final long[] subseeds;
    private final double subseedStrength;

    private SeedPlan(long[] seeds, long[] subseeds, double subseedStrength) {
        if (!Double.isFinite(subseedStrength)) {
            throw new IllegalArgumentException("variation strength must be finite: " + subseedStrength);
        }
        this.seeds = seeds;
        this.subseeds = subseeds;
        this.subseedStrength = subseedStrength;
    }

    /** {@code all_seeds} and {@code all_subseeds} for a job of {@code imageCount} images. */
    public static SeedPlan forImages(long seed, long subseed, double subseedStrength, int imageCount) {
        if (imageCount < 0) {
            throw new IllegalArgumentException("negative image count " + imageCount);
        }
        long[] seeds = new long[imageCount];
        long[] subseeds = new long[imageCount];
        for (int i = 0; i < imageCount; i++) {
            seeds[i] = seed + (subseedStrength == 0.0 ? i : 0);
            subseeds[i] = subseed + i;
        }
        return new SeedPlan(seeds, subseeds, subseedStrength);
    }

    /** Explicit per-image lists, as A1111 takes a list for {@code seed} or {@code subseed}. */
    public static SeedPlan of(long[] seeds, long[] subseeds, double subseedStrength) {
        return new SeedPlan(seeds.clone(), subseeds.clone(), subseedStrength);
    }

    /**
     * The images of batch {@code batchIndex} when the job runs {@code batchSize} at a time:
     * {@code all_seeds[n * batch_size:(n + 1) * batch_size]} (the last batch may be short or empty).
     */
    public SeedPlan batch(int batchIndex, int batchSize) {
        if (batchIndex < 0 || batchSize <= 0) {
            throw new IllegalArgumentException("batch " + batchIndex + " of size " + batchSize);
        }
        return new SeedPlan(slice(seeds, batchIndex, batchSize), slice(subseeds, batchIndex, batchSize),
                subseedStrength);
    }

    private static long[] slice(long[] values, int batchIndex, int batchSize) {
        long from = Math.min((long) batchIndex * batchSize, values.length);
        long to = Math.min(from + batchSize, values.length);
        return Arrays.copyOfRange(values, (int) from, (int) to);
    }

    public int imageCount() {
        return seeds.length;
    }

    public long seed(int image) {
        return seeds[image];
    }

    /** The image's variation seed; 0 for an image past the end of an explicit, shorter list. */
    public long subseed(int image) {
        return image < subseeds.length ? subseeds[image] : 0;
    }

    public long[] seeds() {
        return seeds.clone();
    }

    public long[] subseeds() {
        return subseeds.clone();
    }

    public double subseedStrength() {
        return subseedStrength;
    }

    /** Whether images blend in variation noise at all: A1111 skips it at strength 0. */
    public boolean hasVariation() {
        return subseedStrength != 0.0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeedPlan other && Arrays.equals(seeds, other.seeds)
                && Arrays.equals(subseeds, other.subseeds)
                && Double.compare(subseedStrength, other.subseedStrength) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(seeds) + Arrays.hashCode(subseeds)) + Double.hashCode(subseedStrength);
    }

    @Override
    public String toString() {
        return "SeedPlan[seeds=" + Arrays.toString(seeds) + ", subseeds=" + Arrays.toString(subseeds)
                + ", strength=" + subseedStrength + "]";
    }
}
