package dev.sdfarm.diffusion.rng;

/**
 * A seeded stream of standard normal noise that reproduces, bit for bit, what one source of
 * {@code torch.randn} returns for successive calls after being seeded.
 *
 * <p>Each {@link #randn(float[], int, int)} call stands for one {@code randn} call of a contiguous float32
 * tensor with {@code count} elements. The shape only matters through its element count, but how the values are
 * cut into calls does: on the CPU, 10 values and then 10 more are not the 20 values of one call, and every Philox
 * call starts at a new counter offset. Values are in row-major (C) order, as {@code torch.randn(shape).flatten()}.
 *
 * <p>Implementations are stateful and not thread-safe.
 */
public interface NoiseGenerator {

    /** Writes the next draw of {@code count} values to {@code out[offset .. offset + count)}. */
    void randn(float[] out, int offset, int count);

    /** Fills all of {@code out} with the next draw. */
    default void randn(float[] out) {
        randn(out, 0, out.length);
    }

    /** The next draw of a tensor with this shape, in row-major order. */
    default float[] randn(int... shape) {
        float[] out = new float[Shapes.elementCount(shape)];
        randn(out, 0, out.length);
        return out;
    }
}
