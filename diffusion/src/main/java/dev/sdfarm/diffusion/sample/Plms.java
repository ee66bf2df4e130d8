package dev.sdfarm.diffusion.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * A1111's PLMS ({@code modules/sd_samplers_timesteps_impl.py plms}) on the timesteps of
 * {@code CompVisSampler.get_timesteps}: pseudo linear multistep on eps, the DDIM update with eta 0.
 *
 * <p>As upstream: the first step is a pseudo improved Euler step (a second model call at the next timestep, which
 * for the last step is the last timestep again), the next ones Adams-Bashforth of order 2, 3 and then 4 on the
 * previous eps values; the loop runs {@code len(timesteps) - 1} steps from the top and ends on timestep 1;
 * {@code alphas_prev} is float64 and becomes float32 when multiplied by the batch. No noise is drawn.
 */
public final class Plms {
    private Plms() {
    }

    /** Runs PLMS from {@code x} (the initial noise as it is). */
    public static float[] sample(TimestepDenoiser model, float[] x, int[] timesteps, DiscreteSchedule schedule) {
        int n = timesteps.length;
        if (n < 2) {
            throw new IllegalArgumentException("PLMS needs at least 2 timesteps, got " + n);
        }
        List<float[]> oldEps = new ArrayList<>();
        float[] cur = x.clone();
        for (int i = 0; i < n - 1; i++) {
            int index = n - 1 - i;
            float ts = (float) timesteps[index];
            float tNext = (float) timesteps[Math.max(index - 1, 0)];
            float[] eT = eps(model, cur, ts);
            float[] eTPrime = new float[cur.length];
            switch (oldEps.size()) {
                case 0 -> {
                    float[] xPrev = step(schedule, timesteps, index, cur, eT);
                    float[] eTNext = eps(model, xPrev, tNext);
                    for (int k = 0; k < cur.length; k++) {
                        eTPrime[k] = (eT[k] + eTNext[k]) / 2f;
                    }
                }
                case 1 -> {
                    float[] e1 = oldEps.get(0);
                    for (int k = 0; k < cur.length; k++) {
                        eTPrime[k] = (3f * eT[k] - e1[k]) / 2f;
                    }
                }
                case 2 -> {
                    float[] e1 = oldEps.get(1);
                    float[] e2 = oldEps.get(0);
                    for (int k = 0; k < cur.length; k++) {
                        eTPrime[k] = (23f * eT[k] - 16f * e1[k] + 5f * e2[k]) / 12f;
                    }
                }
                default -> {
                    float[] e1 = oldEps.get(2);
                    float[] e2 = oldEps.get(1);
                    float[] e3 = oldEps.get(0);
                    for (int k = 0; k < cur.length; k++) {
                        eTPrime[k] = (55f * eT[k] - 59f * e1[k] + 37f * e2[k] - 9f * e3[k]) / 24f;
                    }
                }
            }
            float[] xPrev = step(schedule, timesteps, index, cur, eTPrime);
            oldEps.add(eT);
            if (oldEps.size() >= 4) {
                oldEps.removeFirst();
            }
            cur = xPrev;
        }
        return cur;
    }

    private static float[] eps(TimestepDenoiser model, float[] x, float t) {
        float[] e = model.predictEps(x, t);
        if (e == null || e.length != x.length) {
            throw new IllegalStateException("model returned " + (e == null ? "null" : e.length + " values")
                    + " for a latent of " + x.length);
        }
        return e;
    }

    /** {@code get_x_prev_and_pred_x0}: the DDIM update without noise. */
    private static float[] step(DiscreteSchedule schedule, int[] timesteps, int index, float[] x, float[] e) {
        float aT = schedule.alphaCumprod(timesteps[index]);
        float aPrev = schedule.alphaCumprod(index == 0 ? 0 : timesteps[index - 1]); // float64, same value
        float sqrtOneMinusAt = TorchMath.sqrt(1f - aT);
        float sqrtAT = TorchMath.sqrt(aT);
        float dirScale = TorchMath.sqrt(1f - aPrev);
        float sqrtAPrev = TorchMath.sqrt(aPrev);
        float[] out = new float[x.length];
        for (int k = 0; k < x.length; k++) {
            float predX0 = (x[k] - sqrtOneMinusAt * e[k]) / sqrtAT;
            float dirXt = dirScale * e[k];
            out[k] = sqrtAPrev * predX0 + dirXt;
        }
        return out;
    }
}
