package dev.sdfarm.diffusion.image;

/** The 8-bit-per-sample pixel layouts the PNG codec handles, interleaved (HWC). */
public enum PixelFormat {
    /** Red, green, blue: PNG colour type 2. */
    RGB(3, 2),
    /** Red, green, blue, alpha (not premultiplied): PNG colour type 6. */
    RGBA(4, 6);

    private final int channels;
    private final int colorType;

    PixelFormat(int channels, int colorType) {
        this.channels = channels;
        this.colorType = colorType;
    }

    /** Bytes per pixel. */
    public int channels() {
        return channels;
    }

    /** The PNG IHDR colour type. */
    public int colorType() {
        return colorType;
    }
}
