package dev.sdfarm.diffusion.rng;

import java.util.Arrays;

/** Element counts of tensor shapes, checked against the int range a Java array can hold. */
final class Shapes {
    private Shapes() {
    }

    static int elementCount(int... shape) {
        long count = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count *= dim;
            if (count > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape too large for one array: " + Arrays.toString(shape));
            }
        }
        return (int) count;
    }
}
