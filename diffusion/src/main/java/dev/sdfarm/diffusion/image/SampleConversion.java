package dev.sdfarm.diffusion.image;

/** AUTOMATIC1111's conversion of decoded samples to 8-bit pixels. */
final class SampleConversion {
    private SampleConversion() {
    }

    static byte[] signedUnitToRgb8(float[] chw, int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        }
        int plane = Math.multiplyExact(height, width);
        if (chw.length != Math.multiplyExact(plane, 3)) {
            throw new IllegalArgumentException("expected 3x" + height + "x" + width + " floats, got " + chw.length);
        }
        byte[] out = new byte[plane * 3];
        for (int c = 0; c < 3; c++) {
            int base = c * plane;
            for (int i = 0; i < plane; i++) {
                out[i * 3 + c] = (byte) toUint8(chw[base + i]);
            }
        }
        return out;
    }

    /** {@code uint8(255 * clamp((x + 1) / 2, 0, 1))} in float32 with truncation; NaN gives 0. */
    static int toUint8(float x) {
        float v = (x + 1.0f) / 2.0f;
        if (!(v > 0.0f)) {
            return 0;
        }
        if (v > 1.0f) {
            v = 1.0f;
        }
        return (int) (255.0f * v);
    }
}
