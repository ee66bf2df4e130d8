package dev.sdfarm.diffusion.tensor;

import java.util.Arrays;

/** The dimensions of a tensor, outermost first (row-major, like torch's default contiguous layout). */
public final class Shape {
    private final int[] dims;
    private final long numel;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
            n = Math.multiplyExact(n, d);
        }
        this.dims = dims;
        this.numel = n;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** The shape of a checkpoint tensor; every dimension must fit an int. */
    public static Shape of(long[] dims) {
        int[] d = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            d[i] = Math.toIntExact(dims[i]);
        }
        return new Shape(d);
    }

    public int rank() {
        return dims.length;
    }

    /** Dimension {@code i}; negative indices count from the end as in torch. */
    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    public int last() {
        return dims[dims.length - 1];
    }

    public long numel() {
        return numel;
    }

    /** Elements in all but the last dimension: the row count of the tensor viewed as a matrix. */
    public int rows() {
        return dims.length == 0 ? 1 : Math.toIntExact(numel / Math.max(last(), 1));
    }

    public int[] toArray() {
        return dims.clone();
    }

    /** The same elements under other dimensions; the element count must not change. */
    public Shape reshape(int... newDims) {
        Shape s = of(newDims);
        if (s.numel != numel) {
            throw new IllegalArgumentException("cannot view " + this + " as " + s);
        }
        return s;
    }

    /** This shape with its last dimension replaced. */
    public Shape withLast(int last) {
        int[] d = dims.clone();
        d[d.length - 1] = last;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
