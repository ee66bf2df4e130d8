package dev.sdfarm.diffusion.cpu;

/** Layer norm and group norm; statistics are accumulated in double, as a two-pass mean and variance. */
final class Norms {
    private Norms() {
    }

    static float[] layerNorm(Parallel parallel, float[] x, int rows, int dim, float[] gamma, float[] beta, float eps) {
        float[] out = new float[x.length];
        parallel.forRanges(rows, 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                normalize(x, out, r * dim, dim, eps, gamma, beta, 0, 1);
            }
        });
        return out;
    }

    /** {@code x [n, c, spatial]}: each group of {@code c / groups} channels is normalised together. */
    static float[] groupNorm(Parallel parallel, float[] x, int n, int c, int spatial, int groups, float[] gamma,
                             float[] beta, float eps) {
        if (c % groups != 0) {
            throw new IllegalArgumentException(c + " channels do not split into " + groups + " groups");
        }
        float[] out = new float[x.length];
        int perGroup = c / groups;
        parallel.forEach(n * groups, task -> {
            int start = task * perGroup * spatial;
            int firstChannel = (task % groups) * perGroup;
            normalize(x, out, start, perGroup * spatial, eps, gamma, beta, firstChannel, spatial);
        });
        return out;
    }

    /**
     * Normalises {@code x[start, start + len)}; element i gets the affine of channel {@code firstChannel + i / perChannel}.
     */
    private static void normalize(float[] x, float[] out, int start, int len, float eps, float[] gamma, float[] beta,
                                  int firstChannel, int perChannel) {
        double sum = 0;
        for (int i = start; i < start + len; i++) {
            sum += x[i];
        }
        double mean = sum / len;
        double sq = 0;
        for (int i = start; i < start + len; i++) {
            double d = x[i] - mean;
            sq += d * d;
        }
        float inv = (float) (1.0 / Math.sqrt(sq / len + eps));
        float m = (float) mean;
        for (int i = 0; i < len; i++) {
            int ch = firstChannel + i / perChannel;
            float g = gamma == null ? 1f : gamma[ch];
            float b = beta == null ? 0f : beta[ch];
            out[start + i] = (x[start + i] - m) * inv * g + b;
        }
    }
}
