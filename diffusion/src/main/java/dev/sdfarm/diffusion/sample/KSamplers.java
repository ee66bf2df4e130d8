package dev.sdfarm.diffusion.sample;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * k-diffusion's sampling functions ({@code k_diffusion/sampling.py} at the commit A1111 pins), transcribed step for
 * step in float32 as torch computes them: the latent and every per-step scalar (a 0-d float32 tensor upstream) round
 * to float after each operation, Python float constants are cast to float where torch casts them.
 *
 * <p>Each takes {@code x} already scaled to {@code sigmas[0]} (A1111 multiplies the initial noise by it) and returns
 * the final latent; {@code x} is not modified.
 */
public final class KSamplers {
    private KSamplers() {
    }

    // --- elementwise helpers (one torch kernel each) -------------------------------------------------------------

    private static float[] toD(float[] x, float sigma, float[] denoised) {
        float[] d = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = (x[i] - denoised[i]) / sigma;
        }
        return d;
    }

    /** x + d * dt. */
    private static float[] addScaled(float[] x, float[] d, float dt) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + d[i] * dt;
        }
        return out;
    }

    /** x + ((noise * sNoise) * scale). */
    private static float[] addNoise(float[] x, float[] noise, float sNoise, float scale) {
        check(noise, x.length);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + (noise[i] * sNoise) * scale;
        }
        return out;
    }

    /** a * x - b * y. */
    private static float[] combine(float a, float[] x, float b, float[] y) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = a * x[i] - b * y[i];
        }
        return out;
    }

    private static float[] call(Denoiser model, float[] x, float sigma) {
        float[] out = model.denoise(x, sigma);
        check(out, x.length);
        return out;
    }

    private static void check(float[] values, int length) {
        if (values == null || values.length != length) {
            throw new IllegalStateException("expected a tensor of " + length + " values, got "
                    + (values == null ? "null" : values.length));
        }
    }

    private static void checkSigmas(float[] x, float[] sigmas) {
        if (x.length == 0 || sigmas.length < 2) {
            throw new IllegalArgumentException("need a non-empty latent and at least 2 sigmas");
        }
    }

    /** {@code get_ancestral_step}: {sigma_down, sigma_up}. */
    static float[] ancestralStep(float sigmaFrom, float sigmaTo, double eta) {
        if (eta == 0) {
            return new float[]{sigmaTo, 0f};
        }
        float from2 = sigmaFrom * sigmaFrom;
        float to2 = sigmaTo * sigmaTo;
        float up = (float) eta * TorchMath.sqrt(to2 * (from2 - to2) / from2);
        float sigmaUp = up < sigmaTo ? up : sigmaTo;
        float sigmaDown = TorchMath.sqrt(to2 - sigmaUp * sigmaUp);
        return new float[]{sigmaDown, sigmaUp};
    }

    private static double gamma(SamplerParams p, float sigma, int count) {
        double tmax = p.sTmaxOrInfinity();
        boolean inRange = (float) p.sTmin() <= sigma && sigma <= (float) tmax;
        return inRange ? Math.min(p.sChurn() / count, Math.sqrt(2) - 1) : 0.0;
    }

    /** Karras churn shared by Euler, Heun and DPM2: draws eps every step, adds it when gamma > 0. */
    private static float churn(float[][] xRef, float sigma, float sigmaNext, double gamma, SamplerParams p,
                               SamplerNoise noise) {
        float[] eps = noise.next(sigma, sigmaNext);
        check(eps, xRef[0].length);
        float sNoise = (float) p.sNoise();
        float sigmaHat = sigma * (float) (gamma + 1);
        if (gamma > 0) {
            float scale = TorchMath.sqrt(sigmaHat * sigmaHat - sigma * sigma);
            float[] x = xRef[0];
            float[] out = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = x[i] + (eps[i] * sNoise) * scale;
            }
            xRef[0] = out;
        }
        return sigmaHat;
    }

    /** {@code sample_euler} (Karras et al. 2022, Algorithm 2 with Euler steps). */
    public static float[] euler(Denoiser model, float[] x, float[] sigmas, SamplerParams p, SamplerNoise noise) {
        checkSigmas(x, sigmas);
        float[][] xr = {x.clone()};
        for (int i = 0; i < sigmas.length - 1; i++) {
            double gamma = gamma(p, sigmas[i], sigmas.length - 1);
            float sigmaHat = churn(xr, sigmas[i], sigmas[i + 1], gamma, p, noise);
            float[] denoised = call(model, xr[0], sigmaHat);
            float[] d = toD(xr[0], sigmaHat, denoised);
            float dt = sigmas[i + 1] - sigmaHat;
            xr[0] = addScaled(xr[0], d, dt);
        }
        return xr[0];
    }

    /** {@code sample_euler_ancestral}. */
    public static float[] eulerAncestral(Denoiser model, float[] x, float[] sigmas, SamplerParams p,
                                         SamplerNoise noise) {
        checkSigmas(x, sigmas);
        double eta = p.etaOr(1.0);
        float sNoise = (float) p.sNoise();
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = call(model, x, sigmas[i]);
            float[] step = ancestralStep(sigmas[i], sigmas[i + 1], eta);
            float[] d = toD(x, sigmas[i], denoised);
            float dt = step[0] - sigmas[i];
            x = addScaled(x, d, dt);
            if (sigmas[i + 1] > 0) {
                x = addNoise(x, noise.next(sigmas[i], sigmas[i + 1]), sNoise, step[1]);
            }
        }
        return x;
    }

    /** {@code sample_heun} (Algorithm 2 with Heun steps; the last step to 0 is Euler). */
    public static float[] heun(Denoiser model, float[] x, float[] sigmas, SamplerParams p, SamplerNoise noise) {
        checkSigmas(x, sigmas);
        float[][] xr = {x.clone()};
        for (int i = 0; i < sigmas.length - 1; i++) {
            double gamma = gamma(p, sigmas[i], sigmas.length - 1);
            float sigmaHat = churn(xr, sigmas[i], sigmas[i + 1], gamma, p, noise);
            float[] cur = xr[0];
            float[] denoised = call(model, cur, sigmaHat);
            float[] d = toD(cur, sigmaHat, denoised);
            float dt = sigmas[i + 1] - sigmaHat;
            if (sigmas[i + 1] == 0) {
                xr[0] = addScaled(cur, d, dt);
            } else {
                float[] x2 = addScaled(cur, d, dt);
                float[] denoised2 = call(model, x2, sigmas[i + 1]);
                float[] d2 = toD(x2, sigmas[i + 1], denoised2);
                float[] out = new float[cur.length];
                for (int j = 0; j < cur.length; j++) {
                    float dPrime = (d[j] + d2[j]) / 2f;
                    out[j] = cur[j] + dPrime * dt;
                }
                xr[0] = out;
            }
        }
        return xr[0];
    }

    /** {@code sample_dpm_2} (DPM-Solver-2 midpoint in log sigma; the last step to 0 is Euler). */
    public static float[] dpm2(Denoiser model, float[] x, float[] sigmas, SamplerParams p, SamplerNoise noise) {
        checkSigmas(x, sigmas);
        float[][] xr = {x.clone()};
        for (int i = 0; i < sigmas.length - 1; i++) {
            double gamma = gamma(p, sigmas[i], sigmas.length - 1);
            float sigmaHat = churn(xr, sigmas[i], sigmas[i + 1], gamma, p, noise);
            float[] cur = xr[0];
            float[] denoised = call(model, cur, sigmaHat);
            float[] d = toD(cur, sigmaHat, denoised);
            if (sigmas[i + 1] == 0) {
                xr[0] = addScaled(cur, d, sigmas[i + 1] - sigmaHat);
            } else {
                float sigmaMid = TorchMath.exp(TorchMath.lerp(TorchMath.log(sigmaHat), TorchMath.log(sigmas[i + 1]), 0.5f));
                float dt1 = sigmaMid - sigmaHat;
                float dt2 = sigmas[i + 1] - sigmaHat;
                float[] x2 = addScaled(cur, d, dt1);
                float[] denoised2 = call(model, x2, sigmaMid);
                float[] d2 = toD(x2, sigmaMid, denoised2);
                xr[0] = addScaled(cur, d2, dt2);
            }
        }
        return xr[0];
    }

    /** {@code sample_dpm_2_ancestral}. */
    public static float[] dpm2Ancestral(Denoiser model, float[] x, float[] sigmas, SamplerParams p,
                                        SamplerNoise noise) {
        checkSigmas(x, sigmas);
        double eta = p.etaOr(1.0);
        float sNoise = (float) p.sNoise();
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = call(model, x, sigmas[i]);
            float[] step = ancestralStep(sigmas[i], sigmas[i + 1], eta);
            float sigmaDown = step[0];
            float[] d = toD(x, sigmas[i], denoised);
            if (sigmaDown == 0) {
                x = addScaled(x, d, sigmaDown - sigmas[i]);
            } else {
                float sigmaMid = TorchMath.exp(TorchMath.lerp(TorchMath.log(sigmas[i]), TorchMath.log(sigmaDown), 0.5f));
                float dt1 = sigmaMid - sigmas[i];
                float dt2 = sigmaDown - sigmas[i];
                float[] x2 = addScaled(x, d, dt1);
                float[] denoised2 = call(model, x2, sigmaMid);
                float[] d2 = toD(x2, sigmaMid, denoised2);
                x = addScaled(x, d2, dt2);
                x = addNoise(x, noise.next(sigmas[i], sigmas[i + 1]), sNoise, step[1]);
            }
        }
        return x;
    }

    /** {@code linear_multistep_coeff}: the integral of the Lagrange basis polynomial over [t_i, t_i+1]. */
    static double lmsCoefficient(int order, float[] t, int i, int j) {
        if (order - 1 > i) {
            throw new IllegalArgumentException("Order " + order + " too high for step " + i);
        }
        // the integrand is a polynomial of degree order - 1 <= 3: 4-point Gauss-Legendre is exact
        double[] nodes = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
        double[] weights = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
        double a = t[i];
        double b = t[i + 1];
        double half = (b - a) / 2;
        double mid = (a + b) / 2;
        double sum = 0;
        for (int q = 0; q < nodes.length; q++) {
            double tau = mid + half * nodes[q];
            double prod = 1.0;
            for (int k = 0; k < order; k++) {
                if (k == j) {
                    continue;
                }
                prod *= (tau - t[i - k]) / ((double) t[i - j] - t[i - k]);
            }
            sum += weights[q] * prod;
        }
        return sum * half;
    }

    /** {@code sample_lms} (linear multistep, order 4). */
    public static float[] lms(Denoiser model, float[] x, float[] sigmas, int order) {
        checkSigmas(x, sigmas);
        Deque<float[]> ds = new ArrayDeque<>();
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = call(model, x, sigmas[i]);
            ds.addLast(toD(x, sigmas[i], denoised));
            if (ds.size() > order) {
                ds.removeFirst();
            }
            int curOrder = Math.min(i + 1, order);
            List<float[]> newestFirst = new ArrayList<>(ds.reversed());
            float[] acc = null;
            for (int j = 0; j < curOrder; j++) {
                float c = (float) lmsCoefficient(curOrder, sigmas, i, j);
                float[] d = newestFirst.get(j);
                if (acc == null) {
                    acc = new float[x.length];
                    for (int k = 0; k < x.length; k++) {
                        acc[k] = c * d[k];
                    }
                } else {
                    for (int k = 0; k < x.length; k++) {
                        acc[k] = acc[k] + c * d[k];
                    }
                }
            }
            float[] out = new float[x.length];
            for (int k = 0; k < x.length; k++) {
                out[k] = x[k] + acc[k];
            }
            x = out;
        }
        return x;
    }

    private static float tFn(float sigma) {
        return -TorchMath.log(sigma);
    }

    private static float sigmaFn(float t) {
        return TorchMath.exp(-t);
    }

    /** {@code sample_dpmpp_2s_ancestral}. */
    public static float[] dpmpp2sAncestral(Denoiser model, float[] x, float[] sigmas, SamplerParams p,
                                           SamplerNoise noise) {
        checkSigmas(x, sigmas);
        double eta = p.etaOr(1.0);
        float sNoise = (float) p.sNoise();
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = call(model, x, sigmas[i]);
            float[] step = ancestralStep(sigmas[i], sigmas[i + 1], eta);
            float sigmaDown = step[0];
            if (sigmaDown == 0) {
                float[] d = toD(x, sigmas[i], denoised);
                x = addScaled(x, d, sigmaDown - sigmas[i]);
            } else {
                float t = tFn(sigmas[i]);
                float tNext = tFn(sigmaDown);
                float r = 0.5f;
                float h = tNext - t;
                float s = t + r * h;
                float[] x2 = combine(sigmaFn(s) / sigmaFn(t), x, TorchMath.expm1(-h * r), denoised);
                float[] denoised2 = call(model, x2, sigmaFn(s));
                x = combine(sigmaFn(tNext) / sigmaFn(t), x, TorchMath.expm1(-h), denoised2);
            }
            if (sigmas[i + 1] > 0) {
                x = addNoise(x, noise.next(sigmas[i], sigmas[i + 1]), sNoise, step[1]);
            }
        }
        return x;
    }

    /**
     * {@code sample_dpmpp_sde} with r = 1/2. A1111 feeds it a Brownian-tree noise sampler seeded per image
     * ({@code create_noise_sampler}); that tree is not reproduced here, so the result equals A1111 only for the same
     * noise source.
     */
    public static float[] dpmppSde(Denoiser model, float[] x, float[] sigmas, SamplerParams p, SamplerNoise noise) {
        checkSigmas(x, sigmas);
        double eta = p.etaOr(1.0);
        float sNoise = (float) p.sNoise();
        double r = 0.5;
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = call(model, x, sigmas[i]);
            if (sigmas[i + 1] == 0) {
                float[] d = toD(x, sigmas[i], denoised);
                x = addScaled(x, d, sigmas[i + 1] - sigmas[i]);
            } else {
                float t = tFn(sigmas[i]);
                float tNext = tFn(sigmas[i + 1]);
                float h = tNext - t;
                float s = t + h * (float) r;
                double fac = 1 / (2 * r);

                float[] st1 = ancestralStep(sigmaFn(t), sigmaFn(s), eta);
                float s_ = tFn(st1[0]);
                float[] x2 = combine(sigmaFn(s_) / sigmaFn(t), x, TorchMath.expm1(t - s_), denoised);
                x2 = addNoise(x2, noise.next(sigmaFn(t), sigmaFn(s)), sNoise, st1[1]);
                float[] denoised2 = call(model, x2, sigmaFn(s));

                float[] st2 = ancestralStep(sigmaFn(t), sigmaFn(tNext), eta);
                float tNext_ = tFn(st2[0]);
                float a = (float) (1 - fac);
                float b = (float) fac;
                float[] denoisedD = new float[x.length];
                for (int k = 0; k < x.length; k++) {
                    denoisedD[k] = a * denoised[k] + b * denoised2[k];
                }
                x = combine(sigmaFn(tNext_) / sigmaFn(t), x, TorchMath.expm1(t - tNext_), denoisedD);
                x = addNoise(x, noise.next(sigmaFn(t), sigmaFn(tNext)), sNoise, st2[1]);
            }
        }
        return x;
    }

    /** {@code sample_dpmpp_2m} (DPM-Solver++(2M)). */
    public static float[] dpmpp2m(Denoiser model, float[] x, float[] sigmas) {
        checkSigmas(x, sigmas);
        float[] oldDenoised = null;
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = call(model, x, sigmas[i]);
            float t = tFn(sigmas[i]);
            float tNext = tFn(sigmas[i + 1]);
            float h = tNext - t;
            float ratio = sigmaFn(tNext) / sigmaFn(t);
            float e = TorchMath.expm1(-h);
            if (oldDenoised == null || sigmas[i + 1] == 0) {
                x = combine(ratio, x, e, denoised);
            } else {
                float hLast = t - tFn(sigmas[i - 1]);
                float r = hLast / h;
                float inv2r = 1f / (2f * r);
                float a = 1f + inv2r;
                float[] denoisedD = new float[x.length];
                for (int k = 0; k < x.length; k++) {
                    denoisedD[k] = a * denoised[k] - inv2r * oldDenoised[k];
                }
                x = combine(ratio, x, e, denoisedD);
            }
            oldDenoised = denoised;
        }
        return x;
    }

    /** {@code sample_dpmpp_2m_sde}; {@code heun} selects solver_type 'heun' instead of 'midpoint'. See {@link #dpmppSde} on noise. */
    public static float[] dpmpp2mSde(Denoiser model, float[] x, float[] sigmas, SamplerParams p, SamplerNoise noise,
                                     boolean heun) {
        checkSigmas(x, sigmas);
        double eta = p.etaOr(1.0);
        float etaF = (float) eta;
        float sNoise = (float) p.sNoise();
        float[] oldDenoised = null;
        float hLast = Float.NaN;
        float h = Float.NaN;
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = call(model, x, sigmas[i]);
            if (sigmas[i + 1] == 0) {
                x = denoised.clone();
            } else {
                float t = -TorchMath.log(sigmas[i]);
                float s = -TorchMath.log(sigmas[i + 1]);
                h = s - t;
                float etaH = etaF * h;
                float c0 = sigmas[i + 1] / sigmas[i] * TorchMath.exp(-etaH);
                float c1 = -TorchMath.expm1(-h - etaH);
                float[] out = new float[x.length];
                for (int k = 0; k < x.length; k++) {
                    out[k] = c0 * x[k] + c1 * denoised[k];
                }
                x = out;
                if (oldDenoised != null) {
                    float r = hLast / h;
                    float invR = 1f / r;
                    float coef;
                    if (heun) {
                        coef = (c1 / (-h - etaH) + 1f) * invR;
                    } else {
                        coef = 0.5f * c1 * invR;
                    }
                    for (int k = 0; k < x.length; k++) {
                        x[k] = x[k] + coef * (denoised[k] - oldDenoised[k]);
                    }
                }
                if (eta != 0) {
                    float q = TorchMath.sqrt(-TorchMath.expm1(etaH * -2f));
                    float[] nz = noise.next(sigmas[i], sigmas[i + 1]);
                    check(nz, x.length);
                    for (int k = 0; k < x.length; k++) {
                        x[k] = x[k] + ((nz[k] * sigmas[i + 1]) * q) * sNoise;
                    }
                }
            }
            oldDenoised = denoised;
            hLast = h;
        }
        return x;
    }

    /** {@code sample_dpmpp_3m_sde}. See {@link #dpmppSde} on noise. */
    public static float[] dpmpp3mSde(Denoiser model, float[] x, float[] sigmas, SamplerParams p, SamplerNoise noise) {
        checkSigmas(x, sigmas);
        double eta = p.etaOr(1.0);
        float sNoise = (float) p.sNoise();
        float[] denoised1 = null;
        float[] denoised2 = null;
        float h1 = Float.NaN;
        float h2 = Float.NaN;
        boolean hasH1 = false;
        boolean hasH2 = false;
        float h = Float.NaN;
        boolean hasH = false;
        for (int i = 0; i < sigmas.length - 1; i++) {
            float[] denoised = call(model, x, sigmas[i]);
            if (sigmas[i + 1] == 0) {
                x = denoised.clone();
            } else {
                float t = -TorchMath.log(sigmas[i]);
                float s = -TorchMath.log(sigmas[i + 1]);
                h = s - t;
                hasH = true;
                float hEta = h * (float) (eta + 1);
                float c0 = TorchMath.exp(-hEta);
                float c1 = -TorchMath.expm1(-hEta);
                float[] out = new float[x.length];
                for (int k = 0; k < x.length; k++) {
                    out[k] = c0 * x[k] + c1 * denoised[k];
                }
                x = out;
                if (hasH2) {
                    float r0 = h1 / h;
                    float r1 = h2 / h;
                    float r01 = r0 + r1;
                    float phi2 = TorchMath.expm1(-hEta) / hEta + 1f;
                    float phi3 = phi2 / hEta - 0.5f;
                    for (int k = 0; k < x.length; k++) {
                        float d10 = (denoised[k] - denoised1[k]) / r0;
                        float d11 = (denoised1[k] - denoised2[k]) / r1;
                        float d1 = d10 + (d10 - d11) * r0 / r01;
                        float d2 = (d10 - d11) / r01;
                        x[k] = x[k] + phi2 * d1 - phi3 * d2;
                    }
                } else if (hasH1) {
                    float r = h1 / h;
                    float phi2 = TorchMath.expm1(-hEta) / hEta + 1f;
                    for (int k = 0; k < x.length; k++) {
                        float d = (denoised[k] - denoised1[k]) / r;
                        x[k] = x[k] + phi2 * d;
                    }
                }
                if (eta != 0) {
                    float q = TorchMath.sqrt(-TorchMath.expm1((h * -2f) * (float) eta));
                    float[] nz = noise.next(sigmas[i], sigmas[i + 1]);
                    check(nz, x.length);
                    for (int k = 0; k < x.length; k++) {
                        x[k] = x[k] + ((nz[k] * sigmas[i + 1]) * q) * sNoise;
                    }
                }
            }
            denoised2 = denoised1;
            denoised1 = denoised;
            hasH2 = hasH1;
            h2 = h1;
            hasH1 = hasH;
            h1 = h;
        }
        return x;
    }
}
