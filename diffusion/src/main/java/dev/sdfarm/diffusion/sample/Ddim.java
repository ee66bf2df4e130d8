package dev.sdfarm.diffusion.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * A1111's own DDIM ({@code modules/sd_samplers_timesteps_impl.py ddim}, timesteps from
 * {@code CompVisSampler.get_timesteps}), which works on {@code alphas_cumprod} and eps, not on sigmas.
 *
 * <p>As upstream: the timesteps are {@code range(0, 1000, 1000 // steps) + 1} clipped to 999 (so 3 steps give 4
 * timesteps), the loop makes {@code len(timesteps) - 1} model calls from the top, and the last step lands on
 * timestep 1, not 0. {@code alphas_prev} is float64, the per-step {@code sigma_t} is float64 from mixed
 * numpy/torch arithmetic, and every per-step scalar becomes float32 when multiplied by the batch. A noise draw is
 * made every step, also with eta 0.
 */
public final class Ddim {
    private Ddim() {
    }

    /** {@code get_timesteps}: {@code steps} plus one when the next-to-last sigma is discarded. */
    public static int[] timesteps(int steps, int trainingSteps, boolean discardNextToLast) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        int s = steps + (discardNextToLast ? 1 : 0);
        int stride = trainingSteps / s;
        if (stride < 1) {
            throw new IllegalArgumentException(s + " steps exceed the model's " + trainingSteps + " timesteps");
        }
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < trainingSteps; t += stride) {
            out.add(Math.min(Math.max(t + 1, 0), trainingSteps - 1));
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Runs DDIM from {@code x} (the initial noise, not scaled: A1111's timestep samplers start from it as it is).
     *
     * @param eta A1111's {@code eta_ddim} (default 0)
     */
    public static float[] sample(TimestepDenoiser model, float[] x, int[] timesteps, DiscreteSchedule schedule,
                                 double eta, SamplerNoise noise) {
        int n = timesteps.length;
        if (n < 2) {
            throw new IllegalArgumentException("DDIM needs at least 2 timesteps, got " + n);
        }
        float[] alphas = new float[n];
        double[] alphasPrev = new double[n];
        float[] sqrtOneMinusAlphas = new float[n];
        double[] sigmas = new double[n];
        for (int k = 0; k < n; k++) {
            alphas[k] = schedule.alphaCumprod(timesteps[k]);
            alphasPrev[k] = schedule.alphaCumprod(k == 0 ? 0 : timesteps[k - 1]);
            sqrtOneMinusAlphas[k] = TorchMath.sqrt(1f - alphas[k]);
            // (1 - ap) / (1 - a): numpy defers to Tensor.__rtruediv__, i.e. reciprocal(1 - a) in float32, times float64
            double ratio = (double) (1f / (1f - alphas[k])) * (1 - alphasPrev[k]);
            sigmas[k] = eta * Math.sqrt(ratio * (1 - alphas[k] / alphasPrev[k]));
        }
        x = x.clone();
        for (int i = 0; i < n - 1; i++) {
            int index = n - 1 - i;
            float[] eT = model.predictEps(x, (float) timesteps[index]);
            if (eT == null || eT.length != x.length) {
                throw new IllegalStateException("model returned " + (eT == null ? "null" : eT.length + " values")
                        + " for a latent of " + x.length);
            }
            float aT = alphas[index];
            float aPrev = (float) alphasPrev[index];
            float sigmaT = (float) sigmas[index];
            float sq = sqrtOneMinusAlphas[index];
            float sqrtAT = TorchMath.sqrt(aT);
            float dirScale = TorchMath.sqrt(1f - aPrev - sigmaT * sigmaT);
            float sqrtAPrev = TorchMath.sqrt(aPrev);
            float[] nz = noise.next(Float.NaN, Float.NaN);
            if (nz == null || nz.length != x.length) {
                throw new IllegalStateException("noise source returned a tensor of the wrong size");
            }
            float[] out = new float[x.length];
            for (int k = 0; k < x.length; k++) {
                float predX0 = (x[k] - sq * eT[k]) / sqrtAT;
                float dirXt = dirScale * eT[k];
                float noiseK = sigmaT * nz[k];
                out[k] = sqrtAPrev * predX0 + dirXt + noiseK;
            }
            x = out;
        }
        return x;
    }
}
