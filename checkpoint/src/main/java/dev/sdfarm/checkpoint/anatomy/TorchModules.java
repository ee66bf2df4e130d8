package dev.sdfarm.checkpoint.anatomy;

/**
 * The state-dict entries of the torch.nn modules the layouts are made of, named as torch names them
 * ({@code <name>.weight}, {@code <name>.bias}) with torch's weight shapes ([out, in] for Linear,
 * [out, in, k, k] for Conv2d).
 */
final class TorchModules {
    private TorchModules() {
    }

    static void linear(TensorLayout.Builder b, String name, long in, long out) {
        b.add(name + ".weight", out, in);
        b.add(name + ".bias", out);
    }

    static void linearNoBias(TensorLayout.Builder b, String name, long in, long out) {
        b.add(name + ".weight", out, in);
    }

    static void conv2d(TensorLayout.Builder b, String name, long in, long out, long kernel) {
        b.add(name + ".weight", out, in, kernel, kernel);
        b.add(name + ".bias", out);
    }

    /** GroupNorm and LayerNorm store the same affine parameters. */
    static void norm(TensorLayout.Builder b, String name, long channels) {
        b.add(name + ".weight", channels);
        b.add(name + ".bias", channels);
    }

    static void embedding(TensorLayout.Builder b, String name, long count, long dim) {
        b.add(name + ".weight", count, dim);
    }
}
