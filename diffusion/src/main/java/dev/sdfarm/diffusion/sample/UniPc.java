package dev.sdfarm.diffusion.sample;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A1111's UniPC ({@code modules/sd_samplers_timesteps_impl.py unipc}: {@code UniPCCFG} over
 * {@code modules/models/diffusion/uni_pc/uni_pc.py}), the multistep B(h) predictor-corrector in data-prediction form
 * on the discrete-time VP schedule {@code NoiseScheduleVP('discrete', alphas_cumprod)}.
 *
 * <p>As upstream: the number of UniPC steps is the number of A1111 timesteps ({@code CompVisSampler.get_timesteps},
 * so 3 steps run 4), only their count matters; the continuous times are {@code linspace(1, 1/N, steps + 1)} in
 * float32 ({@code time_uniform}); the model sees the fractional timestep {@code (t - 1/N) * 1000}; {@code log(alpha_t)}
 * is the piecewise-linear interpolation of {@code 0.5 * log(alphas_cumprod)} at {@code t_i = (i + 1) / N}; the first
 * {@code order - 1} steps run at increasing order, the last ones at decreasing order ({@code lower_order_final}), the
 * corrector runs on every step but the last and its model evaluation (at the predicted point) is reused as the next
 * step's model value, so a run makes exactly {@code steps} model calls. Every scalar is a float32 0-d tensor upstream
 * and a float here. The small linear systems for the coefficients ({@code torch.linalg.solve}) are solved in float32
 * by LU with partial pivoting; OpenBLAS orders that arithmetic differently, so coefficients can differ by a few ulps,
 * which moves latents by about 1e-6. UniPC draws no noise.
 *
 * <p>Not reproduced: the {@code vary_coeff} variant, the {@code time_quadratic} and {@code logSNR} skip types,
 * thresholding, and img2img's {@code t_start}.
 */
public final class UniPc {
    /** {@code uni_pc_variant}: B(h) = h ({@code bh1}, A1111's default) or B(h) = e^h - 1 ({@code bh2}). */
    public enum Variant {
        BH1, BH2;

        public static Variant byName(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * A1111's UniPC settings.
     *
     * @param variant         {@code uni_pc_variant}
     * @param order           {@code uni_pc_order}; must not exceed the number of steps
     * @param lowerOrderFinal {@code uni_pc_lower_order_final}
     */
    public record Options(Variant variant, int order, boolean lowerOrderFinal) {
        /** webui's defaults ({@code modules/shared_options.py}): bh1, order 3, lower order final. */
        public static final Options A1111_DEFAULTS = new Options(Variant.BH1, 3, true);

        public Options {
            if (variant == null || order < 1) {
                throw new IllegalArgumentException("invalid UniPC options: variant " + variant + ", order " + order);
            }
        }
    }

    private UniPc() {
    }

    /**
     * Runs UniPC from {@code x} (the initial noise as it is, like A1111's other timestep samplers).
     *
     * @param timesteps A1111's timesteps ({@link Ddim#timesteps}); UniPC takes as many steps as there are
     */
    public static float[] sample(TimestepDenoiser model, float[] x, int[] timesteps, DiscreteSchedule schedule,
                                 Options options) {
        return sample(model, x, timesteps.length, schedule, options);
    }

    /** {@code UniPC.sample(x, steps, skip_type="time_uniform", method="multistep", ...)} from t = 1 to t = 1/N. */
    public static float[] sample(TimestepDenoiser model, float[] x, int steps, DiscreteSchedule schedule,
                                 Options options) {
        int order = options.order();
        if (steps < order) {
            throw new IllegalArgumentException("UniPC order must be < sampling steps: " + steps
                    + " steps with order " + order);
        }
        Run run = new Run(model, new VpSchedule(schedule), options.variant());
        float tEnd = (float) (1.0 / run.ns.totalN);
        float[] ts = TorchMath.linspace(1f, tEnd, steps + 1);
        List<float[]> modelPrev = new ArrayList<>();
        List<Float> tPrev = new ArrayList<>();
        float[] cur = x.clone();
        modelPrev.add(run.dataPrediction(cur, ts[0]));
        tPrev.add(ts[0]);
        for (int initOrder = 1; initOrder < order; initOrder++) {
            float t = ts[initOrder];
            Update u = run.update(cur, modelPrev, tPrev, t, initOrder, true);
            cur = u.x;
            modelPrev.add(u.model);
            tPrev.add(t);
        }
        for (int step = order; step <= steps; step++) {
            float t = ts[step];
            int stepOrder = options.lowerOrderFinal() ? Math.min(order, steps + 1 - step) : order;
            boolean useCorrector = step != steps;
            Update u = run.update(cur, modelPrev, tPrev, t, stepOrder, useCorrector);
            cur = u.x;
            for (int i = 0; i < order - 1; i++) {
                tPrev.set(i, tPrev.get(i + 1));
                modelPrev.set(i, modelPrev.get(i + 1));
            }
            tPrev.set(order - 1, t);
            if (step < steps) {
                modelPrev.set(order - 1, u.model);
            }
        }
        return cur;
    }

    private record Update(float[] x, float[] model) {
    }

    private static final class Run {
        final TimestepDenoiser model;
        final VpSchedule ns;
        final Variant variant;

        Run(TimestepDenoiser model, VpSchedule ns, Variant variant) {
            this.model = model;
            this.ns = ns;
            this.variant = variant;
        }

        /** {@code data_prediction_fn}: {@code x0 = (x - sigma_t * eps(x, (t - 1/N) * 1000)) / alpha_t}. */
        float[] dataPrediction(float[] x, float t) {
            float tInput = (t - (float) (1.0 / ns.totalN)) * 1000f;
            float[] eps = model.predictEps(x, tInput);
            if (eps == null || eps.length != x.length) {
                throw new IllegalStateException("model returned " + (eps == null ? "null" : eps.length + " values")
                        + " for a latent of " + x.length);
            }
            float logMean = ns.logMeanCoeff(t);
            float alpha = TorchMath.exp(logMean);
            float sigma = TorchMath.sqrt(1f - TorchMath.exp(2f * logMean));
            float[] out = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = (x[i] - sigma * eps[i]) / alpha;
            }
            return out;
        }

        /** {@code multistep_uni_pc_bh_update} with {@code predict_x0=True} and no given {@code x_t}. */
        Update update(float[] x, List<float[]> modelPrev, List<Float> tPrev, float t, int order,
                      boolean useCorrector) {
            int last = modelPrev.size() - 1;
            if (order > modelPrev.size()) {
                throw new IllegalStateException("order " + order + " needs " + order + " previous model values");
            }
            float tPrev0 = tPrev.get(last);
            float lambdaPrev0 = ns.lambda(tPrev0);
            float lambdaT = ns.lambda(t);
            float[] model0 = modelPrev.get(last);
            float sigmaPrev0 = ns.std(tPrev0);
            float sigmaT = ns.std(t);
            float alphaT = TorchMath.exp(ns.logMeanCoeff(t));
            float h = lambdaT - lambdaPrev0;

            float[] rks = new float[order];
            float[][] d1s = new float[order - 1][];
            for (int i = 1; i < order; i++) {
                float lambdaPrevI = ns.lambda(tPrev.get(last - i));
                float rk = (lambdaPrevI - lambdaPrev0) / h;
                rks[i - 1] = rk;
                float[] modelI = modelPrev.get(last - i);
                float[] d = new float[x.length];
                for (int k = 0; k < d.length; k++) {
                    d[k] = (modelI[k] - model0[k]) / rk;
                }
                d1s[i - 1] = d;
            }
            rks[order - 1] = 1f;

            float hh = -h;
            float hPhi1 = TorchMath.expm1(hh);
            float hPhiK = hPhi1 / hh - 1f;
            float bH = variant == Variant.BH1 ? hh : TorchMath.expm1(hh);
            float[][] r = new float[order][order];
            float[] b = new float[order];
            long factorial = 1;
            for (int i = 1; i <= order; i++) {
                for (int j = 0; j < order; j++) {
                    r[i - 1][j] = pow(rks[j], i - 1);
                }
                b[i - 1] = hPhiK * (float) factorial / bH;
                factorial *= i + 1;
                hPhiK = hPhiK / hh - (float) (1.0 / factorial);
            }

            float[] rhosP = null;
            if (order >= 2) {
                rhosP = order == 2 ? new float[]{0.5f} : solve(r, b, order - 1);
            }
            float[] rhosC = null;
            if (useCorrector) {
                rhosC = order == 1 ? new float[]{0.5f} : solve(r, b, order);
            }

            float ratio = sigmaT / sigmaPrev0;
            float scale1 = alphaT * hPhi1;
            float scaleB = alphaT * bH;
            float[] xt0 = new float[x.length];
            for (int k = 0; k < x.length; k++) {
                xt0[k] = ratio * x[k] - scale1 * model0[k];
            }
            float[] xt = xt0;
            if (rhosP != null) {
                float[] predRes = einsum(rhosP, d1s, rhosP.length, x.length);
                xt = new float[x.length];
                for (int k = 0; k < x.length; k++) {
                    xt[k] = xt0[k] - scaleB * predRes[k];
                }
            }
            float[] modelT = null;
            if (useCorrector) {
                modelT = dataPrediction(xt, t);
                float[] corrRes = order > 1 ? einsum(rhosC, d1s, order - 1, x.length) : null;
                float rhoLast = rhosC[rhosC.length - 1];
                float[] corrected = new float[x.length];
                for (int k = 0; k < x.length; k++) {
                    float d1t = modelT[k] - model0[k];
                    float res = rhoLast * d1t;
                    if (corrRes != null) {
                        res = corrRes[k] + res;
                    }
                    corrected[k] = xt0[k] - scaleB * res;
                }
                xt = corrected;
            }
            return new Update(xt, modelT);
        }
    }

    /** {@code torch.pow(tensor, int)}: 0 gives 1, 1 the value, 2 and 3 repeated products. */
    private static float pow(float v, int exponent) {
        return switch (exponent) {
            case 0 -> 1f;
            case 1 -> v;
            case 2 -> v * v;
            case 3 -> v * v * v;
            default -> (float) Math.pow(v, exponent);
        };
    }

    /** {@code einsum('k,bkchw->bchw', rhos[:count], D1s)}: a GEMM, the first product rounded, then fused adds. */
    private static float[] einsum(float[] rhos, float[][] d, int count, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float acc = rhos[0] * d[0][i];
            for (int k = 1; k < count; k++) {
                acc = Math.fma(rhos[k], d[k][i], acc);
            }
            out[i] = acc;
        }
        return out;
    }

    /**
     * {@code torch.linalg.solve(A[:n, :n], b[:n])} in float32: LU with partial pivoting (the multipliers scaled by
     * the pivot's reciprocal, as LAPACK's {@code getf2}), then the two triangular solves.
     */
    static float[] solve(float[][] a, float[] b, int n) {
        float[][] m = new float[n][];
        for (int i = 0; i < n; i++) {
            m[i] = Arrays.copyOf(a[i], n);
        }
        float[] y = Arrays.copyOf(b, n);
        for (int k = 0; k < n; k++) {
            int p = k;
            for (int i = k + 1; i < n; i++) {
                if (Math.abs(m[i][k]) > Math.abs(m[p][k])) {
                    p = i;
                }
            }
            if (m[p][k] == 0f || !Float.isFinite(m[p][k])) {
                throw new ArithmeticException("UniPC: singular coefficient matrix " + Arrays.deepToString(a));
            }
            if (p != k) {
                float[] row = m[p];
                m[p] = m[k];
                m[k] = row;
                float v = y[p];
                y[p] = y[k];
                y[k] = v;
            }
            float reciprocal = 1f / m[k][k];
            for (int i = k + 1; i < n; i++) {
                m[i][k] *= reciprocal;
            }
            for (int i = k + 1; i < n; i++) {
                for (int j = k + 1; j < n; j++) {
                    m[i][j] -= m[i][k] * m[k][j];
                }
            }
        }
        for (int k = 0; k < n; k++) {
            for (int i = k + 1; i < n; i++) {
                y[i] -= m[i][k] * y[k];
            }
        }
        for (int k = n - 1; k >= 0; k--) {
            y[k] /= m[k][k];
            for (int i = 0; i < k; i++) {
                y[i] -= m[i][k] * y[k];
            }
        }
        return y;
    }

    /**
     * {@code NoiseScheduleVP('discrete', alphas_cumprod=...)} in float32: {@code t_array = linspace(0, 1, N + 1)[1:]},
     * {@code log_alpha_array = 0.5 * log(alphas_cumprod)}, and {@code interpolate_fn} between them.
     */
    static final class VpSchedule {
        final int totalN;
        final float[] tArray;
        final float[] logAlpha;

        VpSchedule(DiscreteSchedule schedule) {
            float[] alphasCumprod = schedule.alphasCumprod();
            totalN = alphasCumprod.length;
            tArray = Arrays.copyOfRange(TorchMath.linspace(0f, 1f, totalN + 1), 1, totalN + 1);
            logAlpha = new float[totalN];
            for (int i = 0; i < totalN; i++) {
                logAlpha[i] = 0.5f * TorchMath.log(alphasCumprod[i]);
            }
        }

        /** {@code marginal_log_mean_coeff}: log(alpha_t). */
        float logMeanCoeff(float t) {
            return interpolate(t, tArray, logAlpha);
        }

        /** {@code marginal_std}: {@code sqrt(1 - exp(2 log(alpha_t)))}. */
        float std(float t) {
            return TorchMath.sqrt(1f - TorchMath.exp(2f * logMeanCoeff(t)));
        }

        /** {@code marginal_lambda}: {@code log(alpha_t) - 0.5 * log(1 - exp(2 log(alpha_t)))}. */
        float lambda(float t) {
            float logMean = logMeanCoeff(t);
            float logStd = 0.5f * TorchMath.log(1f - TorchMath.exp(2f * logMean));
            return logMean - logStd;
        }
    }

    /**
     * uni_pc's {@code interpolate_fn} for one value and increasing keypoints: the segment comes from {@code x}'s
     * position in the (stable) sort of {@code [x, xp...]}, the outermost segments extend beyond the ends, and the
     * value is {@code start_y + (x - start_x) * (end_y - start_y) / (end_x - start_x)}.
     */
    static float interpolate(float x, float[] xp, float[] yp) {
        int k = xp.length;
        int xIdx = 0;
        while (xIdx < k && xp[xIdx] < x) {
            xIdx++;
        }
        int cand = xIdx - 1;
        int start = xIdx == 0 ? 1 : xIdx == k ? k - 2 : cand;
        int end = start == cand ? start + 2 : start + 1;
        float startX = sortedAt(start, x, xIdx, xp);
        float endX = sortedAt(end, x, xIdx, xp);
        int start2 = xIdx == 0 ? 0 : xIdx == k ? k - 2 : cand;
        float startY = yp[start2];
        float endY = yp[start2 + 1];
        return startY + (x - startX) * (endY - startY) / (endX - startX);
    }

    private static float sortedAt(int position, float x, int xIdx, float[] xp) {
        return position < xIdx ? xp[position] : position == xIdx ? x : xp[position - 1];
    }
}
