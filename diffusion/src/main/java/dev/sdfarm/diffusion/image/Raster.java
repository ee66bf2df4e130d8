package dev.sdfarm.diffusion.image;

import java.util.Objects;

/**
 * An 8-bit image: {@code height} rows of {@code width} pixels, each {@code format.channels()} bytes, rows top to
 * bottom, no padding (numpy's {@code uint8} HWC layout). The array is not copied.
 *
 * @param width  pixels per row, at least 1
 * @param height rows, at least 1
 * @param format RGB or RGBA
 * @param pixels exactly {@code width * height * format.channels()} bytes
 */
public record Raster(int width, int height, PixelFormat format, byte[] pixels) {

    /** Checks the sizes. */
    public Raster {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(pixels, "pixels");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        long expected = (long) width * height * format.channels();
        if (expected != pixels.length) {
            throw new IllegalArgumentException("expected " + expected + " bytes for a " + width + "x" + height + " "
                    + format + " image, got " + pixels.length);
        }
    }

    /**
     * An RGB image from a decoder output: a float {@code [3, height, width]} tensor in [-1, 1], converted exactly as
     * AUTOMATIC1111 does ({@code torch.clamp((x + 1.0) / 2.0, 0, 1)}, then {@code (255. * x).astype(np.uint8)}, all
     * in float32, truncating). NaN becomes 0.
     *
     * @param chw    {@code 3 * height * width} floats, channel-major
     * @param height rows
     * @param width  columns
     */
    public static Raster fromSignedUnit(float[] chw, int height, int width) {
        return new Raster(width, height, PixelFormat.RGB, SampleConversion.signedUnitToRgb8(chw, height, width));
    }

    /** Byte {@code channel} of pixel ({@code x}, {@code y}) as 0..255. */
    public int sample(int x, int y, int channel) {
        return pixels[(y * width + x) * format.channels() + channel] & 0xFF;
    }

    /** Bytes in one row. */
    public int rowBytes() {
        return width * format.channels();
    }
}
