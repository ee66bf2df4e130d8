package dev.sdfarm.diffusion.rng;

import java.util.Objects;

/**
 * The noise of one batch of images the way AUTOMATIC1111 draws it ({@code ImageRNG} in {@code modules/rng.py}):
 * the first {@link #next()} is each image's initial latent noise, later calls are the noise samplers ask for
 * (ancestral and SDE samplers) from the same per-image generators.
 *
 * <p>First draw, per image {@code i} with seed {@code s} and subseed {@code t} from the {@link SeedPlan}:
 * <ol>
 *   <li>the image's generator, seeded with {@code s}, draws the {@code [c, h, w]} noise;</li>
 *   <li>with a variation strength {@code v != 0}, a generator seeded with {@code t} draws the variation noise and
 *       the result is A1111's {@code slerp(v, noise, variation)} ({@link A1111Slerp});</li>
 *   <li>with seed resizing ("resize seed from width/height", both positive and giving another shape), steps 1-2
 *       run at the shape {@code [c, fromHeight // 8, fromWidth // 8]} with fresh generators, then the image's own
 *       generator draws full-size noise and the smaller noise is pasted over its centre (or the centre of the
 *       larger noise is cut out), offsets rounding down as Python's {@code //} does.</li>
 * </ol>
 * After the first draw with an eta noise seed delta ("ENSD", setting {@code eta_noise_seed_delta}) other than 0,
 * every image's generator is replaced by one seeded with {@code s + delta}. Later draws continue the per-image
 * generators.
 *
 * <p>Not thread-safe.
 */
public final class LatentNoise {
    private final NoiseFactory source;
    private final LatentShape shape;
    private final SeedPlan seeds;
    private final LatentShape seedShape;
    private final long etaNoiseSeedDelta;
    private final NoiseGenerator[] generators;
    private boolean first = true;

    /**
     * A1111's {@code ImageRNG(shape, seeds, subseeds, subseed_strength)} without seed resizing or ENSD.
     *
     * @param source the random number source, usually a {@link NoiseSource}
     */
    public LatentNoise(NoiseFactory source, LatentShape shape, SeedPlan seeds) {
        this(source, shape, seeds, 0, 0, 0);
    }

    /**
     * A1111's full {@code ImageRNG(shape, seeds, subseeds, subseed_strength, seed_resize_from_h,
     * seed_resize_from_w)}, with the eta noise seed delta setting.
     *
     * @param source the random number source, usually a {@link NoiseSource}
     * @param seedResizeFromHeight A1111's {@code seed_resize_from_h} in pixels; 0 or less turns resizing off
     * @param seedResizeFromWidth A1111's {@code seed_resize_from_w} in pixels; 0 or less turns resizing off
     * @param etaNoiseSeedDelta A1111's {@code eta_noise_seed_delta} setting; 0 for none
     */
    public LatentNoise(NoiseFactory source, LatentShape shape, SeedPlan seeds,
                       int seedResizeFromHeight, int seedResizeFromWidth, long etaNoiseSeedDelta) {
        this.source = Objects.requireNonNull(source, "source");
        this.shape = Objects.requireNonNull(shape, "shape");
        this.seeds = Objects.requireNonNull(seeds, "seeds");
        this.seedShape = seedResizeFromHeight <= 0 || seedResizeFromWidth <= 0
                ? shape
                : new LatentShape(shape.channels(), seedResizeFromHeight / LatentShape.SD_DOWNSAMPLING,
                        seedResizeFromWidth / LatentShape.SD_DOWNSAMPLING);
        this.etaNoiseSeedDelta = etaNoiseSeedDelta;
        this.generators = new NoiseGenerator[seeds.imageCount()];
        for (int i = 0; i < generators.length; i++) {
            generators[i] = source.generator(seeds.seed(i));
        }
    }

    public LatentShape shape() {
        return shape;
    }

    public int imageCount() {
        return generators.length;
    }

    /** The next noise of every image of the batch, one row-major {@code [c, h, w]} array per image. */
    public float[][] next() {
        float[][] out = new float[generators.length][shape.elementCount()];
        next(out);
        return out;
    }

    /** {@link #next()} into the caller's arrays (one per image, each at least {@code shape().elementCount()}). */
    public void next(float[][] out) {
        if (out.length != generators.length) {
            throw new IllegalArgumentException("expected " + generators.length + " arrays, got " + out.length);
        }
        if (first) {
            first = false;
            drawFirst(out);
            return;
        }
        for (int i = 0; i < generators.length; i++) {
            generators[i].randn(out[i], 0, shape.elementCount());
        }
    }

    /** {@code ImageRNG.first}. */
    private void drawFirst(float[][] out) {
        boolean resized = !seedShape.equals(shape);
        int seedCount = seedShape.elementCount();
        for (int i = 0; i < generators.length; i++) {
            float[] noise;
            if (resized) {
                noise = new float[seedCount];
                source.generator(seeds.seed(i)).randn(noise);
            } else {
                noise = out[i];
                generators[i].randn(noise, 0, seedCount);
            }
            if (seeds.hasVariation()) {
                float[] variation = new float[seedCount];
                source.generator(seeds.subseed(i)).randn(variation);
                A1111Slerp.slerp(seeds.subseedStrength(), noise, variation,
                        seedShape.channels(), seedShape.height(), seedShape.width(), noise);
            }
            if (resized) {
                generators[i].randn(out[i], 0, shape.elementCount());
                pasteCentred(noise, seedShape, out[i], shape);
            }
        }
        if (etaNoiseSeedDelta != 0) {
            for (int i = 0; i < generators.length; i++) {
                generators[i] = source.generator(seeds.seed(i) + etaNoiseSeedDelta);
            }
        }
    }

    /**
     * {@code x[:, ty:ty + h, tx:tx + w] = noise[:, dy:dy + h, dx:dx + w]} with {@code ImageRNG.first}'s offsets.
     */
    private static void pasteCentred(float[] noise, LatentShape from, float[] target, LatentShape to) {
        int dx = Math.floorDiv(to.width() - from.width(), 2);
        int dy = Math.floorDiv(to.height() - from.height(), 2);
        int w = dx >= 0 ? from.width() : from.width() + 2 * dx;
        int h = dy >= 0 ? from.height() : from.height() + 2 * dy;
        int tx = Math.max(dx, 0);
        int ty = Math.max(dy, 0);
        int sx = Math.max(-dx, 0);
        int sy = Math.max(-dy, 0);
        for (int c = 0; c < to.channels(); c++) {
            for (int row = 0; row < h; row++) {
                int src = (c * from.height() + sy + row) * from.width() + sx;
                int dst = (c * to.height() + ty + row) * to.width() + tx;
                System.arraycopy(noise, src, target, dst, w);
            }
        }
    }
}
