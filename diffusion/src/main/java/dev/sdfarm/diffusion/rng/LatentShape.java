package dev.sdfarm.diffusion.rng;

/**
 * The shape {@code [channels, height, width]} of one image's latent noise. A1111 draws
 * {@code (opt_C, height // opt_f, width // opt_f)} with {@code opt_C = 4} and {@code opt_f = 8} for Stable
 * Diffusion 1.x, 2.x and XL.
 */
public record LatentShape(int channels, int height, int width) {
    /** Latent channels of SD 1.x, 2.x and XL. */
    public static final int SD_CHANNELS = 4;
    /** Pixels per latent cell along each axis. */
    public static final int SD_DOWNSAMPLING = 8;

    public LatentShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("latent shape must be positive: " + channels + "x" + height + "x" + width);
        }
        Shapes.elementCount(channels, height, width);
    }

    /** The latent A1111 draws for an image of this size in pixels (sizes round down to a multiple of 8). */
    public static LatentShape forImage(int widthPixels, int heightPixels) {
        return new LatentShape(SD_CHANNELS, heightPixels / SD_DOWNSAMPLING, widthPixels / SD_DOWNSAMPLING);
    }

    public int elementCount() {
        return channels * height * width;
    }
}
