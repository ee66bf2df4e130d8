package dev.sdfarm.diffusion.cpu;

import dev.sdfarm.checkpoint.Checkpoint;
import dev.sdfarm.checkpoint.StoredTensor;
import dev.sdfarm.diffusion.tensor.Activation;
import dev.sdfarm.diffusion.tensor.Backend;
import dev.sdfarm.diffusion.tensor.Shape;
import dev.sdfarm.diffusion.tensor.Tensor;
import java.io.IOException;

/**
 * The CPU {@link Backend}: weights stay in the memory-mapped checkpoint in their stored type, activations are
 * fp32 heap arrays, kernels use the Vector API when the JVM has it ({@code --add-modules jdk.incubator.vector})
 * and plain loops otherwise, and work is spread over a fixed number of threads. Operations run synchronously.
 */
public final class CpuBackend implements Backend {
    private final Parallel parallel;
    private final Gemm.MicroKernel gemm;
    private final DotGemm.TileKernel dots;
    private final RowOps rowOps;
    private final boolean vectors;

    /** A backend on every available core, with the Vector API when present. */
    public CpuBackend() {
        this(Runtime.getRuntime().availableProcessors(), vectorApiPresent());
    }

    /**
     * @param threads kernel threads, including the caller's
     * @param vectors use the Vector API kernels (ignored, as false, when the module is absent)
     */
    public CpuBackend(int threads, boolean vectors) {
        this.parallel = new Parallel(threads);
        this.vectors = vectors && vectorApiPresent();
        this.gemm = this.vectors ? new GemmVectors() : new Gemm.Scalar();
        this.dots = this.vectors ? new DotGemmVectors() : new DotGemm.Scalar();
        this.rowOps = this.vectors ? new RowOpsVectors() : RowOps.SCALAR;
    }

    /** Whether this JVM was started with {@code jdk.incubator.vector}. */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    public int threads() {
        return parallel.threads();
    }

    public boolean vectors() {
        return vectors;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Tensor weight(Checkpoint checkpoint, StoredTensor stored) throws IOException {
        CpuTensor.requireSupported(stored.dtype(), stored.name());
        return MappedWeights.of(this, Shape.of(stored.shape()), checkpoint.segment(stored), stored.dtype());
    }

    @Override
    public Tensor upload(float[] values, Shape shape) {
        return new HostTensor(this, shape, values.clone());
    }

    @Override
    public float[] toFloats(Tensor tensor) {
        CpuTensor t = own(tensor);
        return t instanceof HostTensor h ? h.data.clone() : t.floats();
    }

    @Override
    public Tensor reshape(Tensor tensor, Shape shape) {
        return own(tensor).view(shape);
    }

    @Override
    public Tensor embedding(Tensor table, int[] ids) {
        CpuTensor t = own(table);
        int vocab = t.shape().dim(0);
        int dim = t.shape().dim(1);
        float[] out = new float[ids.length * dim];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " is outside the vocabulary of " + vocab);
            }
            t.decode((long) ids[i] * dim, out, i * dim, dim);
        }
        return host(out, Shape.of(ids.length, dim));
    }

    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        HostTensor in = host(x);
        CpuTensor w = own(weight);
        int out = w.shape().dim(0);
        int k = Math.toIntExact(w.shape().numel() / out);
        if (in.shape().last() != k) {
            throw new IllegalArgumentException("linear: input " + in.shape() + " does not match weight " + w.shape());
        }
        int rows = in.shape().rows();
        float[] result = new float[rows * out];
        DotGemm.multiply(parallel, dots, rows, out, k, Gemm.floatRows(in.data, 0, k), w, 0, result, 0, out,
                vector(bias, out, "linear bias"));
        return host(result, in.shape().withLast(out));
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b, boolean transposeB) {
        HostTensor left = host(a);
        CpuTensor right = own(b);
        Shape as = left.shape();
        Shape bs = right.shape();
        int m = as.dim(-2);
        int k = as.dim(-1);
        int n = transposeB ? bs.dim(-2) : bs.dim(-1);
        int bk = transposeB ? bs.dim(-1) : bs.dim(-2);
        long batches = as.numel() / ((long) m * k);
        if (bk != k || as.rank() != bs.rank() || batches != bs.numel() / ((long) n * k)) {
            throw new IllegalArgumentException("matmul: " + as + " and " + bs + (transposeB ? "ᵀ" : "") + " do not fit");
        }
        float[] out = new float[Math.toIntExact(batches * m * n)];
        float[] rightFloats = transposeB ? null : right.floats();
        for (int i = 0; i < batches; i++) {
            Gemm.ARows rows = Gemm.floatRows(left.data, i * m * k, k);
            if (transposeB) {
                DotGemm.multiply(parallel, dots, m, n, k, rows, right, (long) i * n * k, out, i * m * n, n, null);
            } else {
                Gemm.multiply(parallel, gemm, m, n, k, rows, Gemm.columns(rightFloats, i * k * n, n), out, i * m * n,
                        n, null, null);
            }
        }
        return host(out, as.withLast(n));
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padTop, int padLeft, int padBottom,
                         int padRight) {
        HostTensor in = host(x);
        CpuTensor w = own(weight);
        Shape s = in.shape();
        if (s.rank() != 4 || w.shape().rank() != 4 || w.shape().dim(1) != s.dim(1)) {
            throw new IllegalArgumentException("conv2d: input " + s + " does not match kernel " + w.shape());
        }
        if (stride <= 0 || padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("conv2d: stride " + stride + " and padding (" + padTop + ", " + padLeft
                    + ", " + padBottom + ", " + padRight + ") must be positive and non-negative");
        }
        int cout = w.shape().dim(0);
        float[] out = Conv2d.run(parallel, gemm, in.data, s.dim(0), s.dim(1), s.dim(2), s.dim(3), w,
                vector(bias, cout, "conv2d bias"), stride, padTop, padLeft, padBottom, padRight);
        int oh = Conv2d.outputSize(s.dim(2), w.shape().dim(2), stride, padTop, padBottom);
        int ow = Conv2d.outputSize(s.dim(3), w.shape().dim(3), stride, padLeft, padRight);
        return host(out, Shape.of(s.dim(0), cout, oh, ow));
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        HostTensor in = host(x);
        int dim = in.shape().last();
        return host(Norms.layerNorm(parallel, in.data, in.shape().rows(), dim, vector(gamma, dim, "layer norm weight"),
                vector(beta, dim, "layer norm bias"), eps), in.shape());
    }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps) {
        HostTensor in = host(x);
        Shape s = in.shape();
        int n = s.dim(0);
        int c = s.dim(1);
        int spatial = Math.toIntExact(s.numel() / ((long) n * c));
        return host(Norms.groupNorm(parallel, in.data, n, c, spatial, groups, vector(gamma, c, "group norm weight"),
                vector(beta, c, "group norm bias"), eps), s);
    }

    @Override
    public Tensor softmax(Tensor x) {
        HostTensor in = host(x);
        return host(Attention.softmax(parallel, in.data, in.shape().rows(), in.shape().last()), in.shape());
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, boolean causal) {
        HostTensor qs = host(q);
        HostTensor ks = host(k);
        HostTensor vs = host(v);
        Shape s = qs.shape();
        if (s.rank() != 3 || !ks.shape().equals(vs.shape()) || ks.shape().dim(0) != s.dim(0)
                || ks.shape().dim(2) != s.dim(2) || s.dim(2) % heads != 0) {
            throw new IllegalArgumentException("attention: q " + s + ", k " + ks.shape() + ", v " + vs.shape()
                    + " with " + heads + " heads do not fit");
        }
        return host(Attention.blocked(parallel, gemm, rowOps, qs.data, ks.data, vs.data, s.dim(0), s.dim(1), ks.shape().dim(1), heads,
                s.dim(2), causal), s);
    }

    @Override
    public Tensor activation(Tensor x, Activation activation) {
        HostTensor in = host(x);
        return host(Pointwise.activation(parallel, rowOps, in.data, activation), in.shape());
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        HostTensor left = host(a);
        CpuTensor right = own(b);
        return host(Pointwise.broadcast(parallel, left.data, left.shape(), right.floats(), right.shape(), Double::sum),
                left.shape());
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        HostTensor left = host(a);
        CpuTensor right = own(b);
        return host(Pointwise.broadcast(parallel, left.data, left.shape(), right.floats(), right.shape(),
                (p, r) -> p * r), left.shape());
    }

    @Override
    public Tensor scale(Tensor x, float factor) {
        HostTensor in = host(x);
        return host(Pointwise.scale(in.data, factor), in.shape());
    }

    @Override
    public Tensor upsampleNearest2x(Tensor x) {
        HostTensor in = host(x);
        Shape s = in.shape();
        if (s.rank() != 4) {
            throw new IllegalArgumentException("upsample expects [n, c, h, w], got " + s);
        }
        return host(Pointwise.upsampleNearest2x(in.data, s.dim(0) * s.dim(1), s.dim(2), s.dim(3)),
                Shape.of(s.dim(0), s.dim(1), 2 * s.dim(2), 2 * s.dim(3)));
    }

    @Override
    public Tensor resizeNearest(Tensor x, int height, int width) {
        HostTensor in = host(x);
        Shape s = in.shape();
        if (s.rank() != 4 || height < 1 || width < 1) {
            throw new IllegalArgumentException("resize expects [n, c, h, w] and a positive size, got " + s);
        }
        return host(Pointwise.resizeNearest(in.data, s.dim(0) * s.dim(1), s.dim(2), s.dim(3), height, width),
                Shape.of(s.dim(0), s.dim(1), height, width));
    }

    @Override
    public Tensor concat(int dim, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("concat of nothing");
        }
        Shape first = parts[0].shape();
        int[] dims = first.toArray();
        int d = dim < 0 ? dims.length + dim : dim;
        dims[d] = 0;
        long[] inner = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            Shape s = parts[i].shape();
            boolean fits = s.rank() == first.rank();
            for (int j = 0; fits && j < s.rank(); j++) {
                fits = j == d || s.dim(j) == first.dim(j);
            }
            if (!fits) {
                throw new IllegalArgumentException("concat along " + d + ": " + s + " does not fit " + first);
            }
            dims[d] += s.dim(d);
            inner[i] = s.numel() / Math.max(1, outerCount(s, d));
        }
        Shape out = Shape.of(dims);
        float[] result = new float[Math.toIntExact(out.numel())];
        long outer = outerCount(first, d);
        int at = 0;
        for (long o = 0; o < outer; o++) {
            for (int i = 0; i < parts.length; i++) {
                int n = Math.toIntExact(inner[i]);
                own(parts[i]).decode(o * n, result, at, n);
                at += n;
            }
        }
        return host(result, out);
    }

    private static long outerCount(Shape s, int dim) {
        long n = 1;
        for (int i = 0; i < dim; i++) {
            n *= s.dim(i);
        }
        return n;
    }

    @Override
    public Tensor transpose(Tensor x) {
        HostTensor in = host(x);
        Shape s = in.shape();
        int m = s.dim(-2);
        int n = s.dim(-1);
        int batches = Math.toIntExact(s.numel() / ((long) m * n));
        float[] out = new float[in.data.length];
        parallel.forEach(batches, b -> Pointwise.transpose(in.data, out, b * m * n, m, n));
        int[] dims = s.toArray();
        dims[dims.length - 2] = n;
        dims[dims.length - 1] = m;
        return host(out, Shape.of(dims));
    }

    @Override
    public Tensor geglu(Tensor x) {
        HostTensor in = host(x);
        int width = in.shape().last();
        if (width % 2 != 0) {
            throw new IllegalArgumentException("geglu needs an even last dimension, got " + in.shape());
        }
        return host(Pointwise.geglu(parallel, in.data, in.shape().rows(), width / 2), in.shape().withLast(width / 2));
    }

    @Override
    public void close() {
        parallel.close();
    }

    private HostTensor host(float[] data, Shape shape) {
        return new HostTensor(this, shape, data);
    }

    /** An activation operand: weights passed where activations are expected are widened to fp32 once. */
    private HostTensor host(Tensor t) {
        CpuTensor c = own(t);
        return c instanceof HostTensor h ? h : host(c.floats(), c.shape());
    }

    private float[] vector(Tensor t, int length, String what) {
        if (t == null) {
            return null;
        }
        CpuTensor c = own(t);
        if (c.shape().numel() != length) {
            throw new IllegalArgumentException(what + " has shape " + c.shape() + ", expected " + length + " values");
        }
        return c.floats();
    }

    private CpuTensor own(Tensor t) {
        if (t instanceof CpuTensor c && c.backend() == this) {
            return c;
        }
        throw new IllegalArgumentException("tensor " + t + " belongs to " + (t == null ? "nobody" : t.backend().name())
                + ", not to this CPU backend");
    }
}
