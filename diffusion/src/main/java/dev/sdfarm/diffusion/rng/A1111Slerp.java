package dev.sdfarm.diffusion.rng;

/**
 * AUTOMATIC1111's {@code slerp(val, low, high)} ({@code modules/rng.py}) that blends a seed's noise with its
 * variation ("subseed") noise, quirks included, for one {@code [c, h, w]} latent.
 *
 * <p>It is not a spherical interpolation of the whole latent. {@code torch.norm(..., dim=1)} on an unbatched
 * {@code [c, h, w]} tensor normalises over the height axis, so every (channel, column) pair gets its own angle
 * from the dot product of that column of both noises; the interpolation weights
 * {@code sin((1 - val) omega) / sin omega} and {@code sin(val omega) / sin omega} are then broadcast down the
 * column. When the mean of those dot products exceeds 0.9995 (as float32) it falls back to a linear blend whose
 * weights are the other way round, {@code low * val + high * (1 - val)}. Python floats meet float32 tensors as
 * float32 scalars ({@code val}, {@code 1 - val} are rounded to float), and everything else is float32 too.
 *
 * <p>The arithmetic is that of PyTorch's AVX2 CPU kernels: reductions in their order over 8-lane vectors
 * ({@link TorchCpuReductions}), and {@code acos}/{@code sin} from SLEEF ({@link SleefFloat}), which builds without
 * MKL call. Other builds differ in the last bits. Builds with MKL take {@code acos} and {@code sin} from MKL's
 * vector math library. The AVX-512 kernels sum with 16-lane vectors, which changes the order for some widths. A GPU
 * runs its own kernels and reduction order. For scale: with correctly rounded {@code acos}/{@code sin} instead of
 * SLEEF's, about one value in ten differs by a few ulps of the blended terms.
 */
final class A1111Slerp {
    private static final float LINEAR_THRESHOLD = (float) 0.9995;

    private A1111Slerp() {
    }

    /**
     * {@code slerp(val, low, high)} for {@code [c, h, w]} tensors stored row-major; writes {@code out} (which may be
     * {@code low} or {@code high}).
     */
    static void slerp(double val, float[] low, float[] high, int c, int h, int w, float[] out) {
        int n = c * h * w;
        float[] lowNorm = TorchCpuReductions.normOverRows(low, c, h, w);
        float[] highNorm = TorchCpuReductions.normOverRows(high, c, h, w);
        float[] product = new float[n];
        for (int ch = 0, at = 0; ch < c; ch++) {
            for (int row = 0; row < h; row++) {
                for (int col = 0; col < w; col++, at++) {
                    int k = ch * w + col;
                    product[at] = (low[at] / lowNorm[k]) * (high[at] / highNorm[k]);
                }
            }
        }
        float[] dot = TorchCpuReductions.sumOverRows(product, c, h, w);

        float valFloat = (float) val;
        float oneMinusValFloat = (float) (1.0 - val);
        if (TorchCpuReductions.mean(dot, 0, dot.length) > LINEAR_THRESHOLD) {
            for (int i = 0; i < n; i++) {
                out[i] = low[i] * valFloat + high[i] * oneMinusValFloat;
            }
            return;
        }
        float[] lowWeight = new float[c * w];
        float[] highWeight = new float[c * w];
        for (int k = 0; k < c * w; k++) {
            float omega = SleefFloat.acos(dot[k]);
            float so = SleefFloat.sin(omega);
            lowWeight[k] = SleefFloat.sin(oneMinusValFloat * omega) / so;
            highWeight[k] = SleefFloat.sin(valFloat * omega) / so;
        }
        for (int ch = 0, at = 0; ch < c; ch++) {
            for (int row = 0; row < h; row++) {
                for (int col = 0; col < w; col++, at++) {
                    int k = ch * w + col;
                    out[at] = lowWeight[k] * low[at] + highWeight[k] * high[at];
                }
            }
        }
    }
}
