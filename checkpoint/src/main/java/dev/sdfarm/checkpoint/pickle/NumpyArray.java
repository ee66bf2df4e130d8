package dev.sdfarm.checkpoint.pickle;

import java.util.Arrays;

/**
 * A numpy ndarray as data: dtype, shape, memory order and raw bytes. Object arrays are not read.
 *
 * <p>numpy pickles an array as an empty placeholder followed by a BUILD that sets its contents, so the
 * contents are filled in after construction, once. Compared by identity, like numpy arrays.
 */
public final class NumpyArray {
    private NumpyDType dtype;
    private long[] shape;
    private boolean fortranOrder;
    private PyBytes data;

    /** An empty placeholder, as numpy's {@code _reconstruct} creates before its state is applied. */
    NumpyArray() {
        this(new NumpyDType("b1", '|'), new long[] {0}, false, PyBytes.empty());
    }

    public NumpyArray(NumpyDType dtype, long[] shape, boolean fortranOrder, PyBytes data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.fortranOrder = fortranOrder;
        this.data = data;
    }

    void applyState(NumpyDType dtype, long[] shape, boolean fortranOrder, PyBytes data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.fortranOrder = fortranOrder;
        this.data = data;
    }

    public NumpyDType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    /** True when the bytes are column-major. */
    public boolean fortranOrder() {
        return fortranOrder;
    }

    /** The raw element bytes. */
    public PyBytes data() {
        return data;
    }

    @Override
    public String toString() {
        return "numpy.ndarray(" + dtype.descr() + Arrays.toString(shape) + ")";
    }
}
