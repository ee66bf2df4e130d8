package dev.sdfarm.diffusion.sample;

import java.util.Arrays;

/**
 * The noise levels of a discrete-time eps model: k-diffusion's {@code DiscreteSchedule} /
 * {@code DiscreteEpsDDPMDenoiser} (A1111's {@code CompVisDenoiser}, {@code quantize=False}).
 *
 * <p>Everything is float32 as on the model: {@code sigmas = sqrt((1 - a) / a)} of the float32 {@code alphas_cumprod},
 * {@code log_sigmas = log(sigmas)}, and {@link #getSigmas(int)} interpolates log-sigmas at {@code t =
 * linspace(T - 1, 0, n)} and appends 0.
 */
public final class DiscreteSchedule {
    /** SD1's DDPM schedule: "linear" betas (a linspace of square roots, squared), 1000 steps. */
    public static final double SD1_LINEAR_START = 0.00085;
    public static final double SD1_LINEAR_END = 0.012;
    public static final int SD1_TIMESTEPS = 1000;

    private final float[] alphasCumprod;
    private final float[] sigmas;
    private final float[] logSigmas;

    private DiscreteSchedule(float[] alphasCumprod) {
        if (alphasCumprod.length < 2) {
            throw new IllegalArgumentException("alphas_cumprod needs at least 2 values, got " + alphasCumprod.length);
        }
        this.alphasCumprod = alphasCumprod.clone();
        this.sigmas = new float[alphasCumprod.length];
        this.logSigmas = new float[alphasCumprod.length];
        for (int i = 0; i < alphasCumprod.length; i++) {
            float a = alphasCumprod[i];
            if (!(a > 0f && a <= 1f)) {
                throw new IllegalArgumentException("alphas_cumprod[" + i + "] = " + a + " is outside (0, 1]");
            }
            sigmas[i] = TorchMath.sqrt((1f - a) / a);
            logSigmas[i] = TorchMath.log(sigmas[i]);
        }
        for (int i = 1; i < sigmas.length; i++) {
            if (!(sigmas[i] > sigmas[i - 1])) {
                throw new IllegalArgumentException("alphas_cumprod must decrease strictly; it does not at index " + i);
            }
        }
    }

    /** The schedule of a model from its float32 {@code alphas_cumprod} buffer (as stored in the checkpoint). */
    public static DiscreteSchedule fromAlphasCumprod(float[] alphasCumprod) {
        return new DiscreteSchedule(alphasCumprod);
    }

    /** SD1.x/SD2.x (eps) schedule, for checkpoints without an {@code alphas_cumprod} tensor. */
    public static DiscreteSchedule sd1() {
        return new DiscreteSchedule(sd1AlphasCumprod());
    }

    /**
     * LDM's {@code make_beta_schedule("linear", 1000, 0.00085, 0.012)} and {@code register_schedule}:
     * {@code betas = linspace(sqrt(start), sqrt(end), 1000, float64) ** 2}, {@code cumprod(1 - betas)} in float64,
     * stored as float32.
     */
    public static float[] sd1AlphasCumprod() {
        double[] roots = TorchMath.linspace(Math.sqrt(SD1_LINEAR_START), Math.sqrt(SD1_LINEAR_END), SD1_TIMESTEPS);
        float[] out = new float[SD1_TIMESTEPS];
        double product = 1.0;
        for (int i = 0; i < SD1_TIMESTEPS; i++) {
            double beta = roots[i] * roots[i];
            product *= 1.0 - beta;
            out[i] = (float) product;
        }
        return out;
    }

    public int size() {
        return sigmas.length;
    }

    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    float alphaCumprod(int t) {
        return alphasCumprod[t];
    }

    /** The model's sigmas, increasing with t ({@code model_wrap.sigmas}). */
    public float[] sigmas() {
        return sigmas.clone();
    }

    float sigma(int t) {
        return sigmas[t];
    }

    public float[] logSigmas() {
        return logSigmas.clone();
    }

    /** {@code sigmas[0]}, about 0.0292 for SD1. */
    public float sigmaMin() {
        return sigmas[0];
    }

    /** {@code sigmas[-1]}, about 14.6146 for SD1. */
    public float sigmaMax() {
        return sigmas[sigmas.length - 1];
    }

    /** {@code get_sigmas(n)}: n sigmas from sigma_max down to sigma_min, uniform in t, then 0 (n + 1 values). */
    public float[] getSigmas(int n) {
        float[] t = TorchMath.linspace((float) (sigmas.length - 1), 0f, n);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) {
            out[i] = tToSigma(t[i]);
        }
        return out;
    }

    /** All model sigmas, largest first, then 0 ({@code get_sigmas(None)}). */
    public float[] getSigmas() {
        float[] out = new float[sigmas.length + 1];
        for (int i = 0; i < sigmas.length; i++) {
            out[i] = sigmas[sigmas.length - 1 - i];
        }
        return out;
    }

    /** {@code sigma_to_t} without quantisation: linear in log-sigma between the two nearest model sigmas, clamped. */
    public float sigmaToT(float sigma) {
        float logSigma = TorchMath.log(sigma);
        // dists.ge(0).cumsum(0).argmax(0): the first index where the running count reaches its maximum
        int count = 0;
        int best = 0;
        int bestIdx = 0;
        for (int i = 0; i < logSigmas.length; i++) {
            if (logSigma - logSigmas[i] >= 0f) {
                count++;
            }
            if (count > best) {
                best = count;
                bestIdx = i;
            }
        }
        int lowIdx = Math.min(bestIdx, logSigmas.length - 2);
        int highIdx = lowIdx + 1;
        float low = logSigmas[lowIdx];
        float high = logSigmas[highIdx];
        float w = (low - logSigma) / (low - high);
        w = Math.max(0f, Math.min(1f, w));
        return (1f - w) * (float) lowIdx + w * (float) highIdx;
    }

    /** {@code t_to_sigma}: exp of the log-sigmas interpolated at {@code floor(t)} and {@code ceil(t)}. */
    public float tToSigma(float t) {
        if (!(t >= 0f && t <= sigmas.length - 1)) {
            throw new IllegalArgumentException("t must be in [0, " + (sigmas.length - 1) + "], got " + t);
        }
        int lowIdx = (int) Math.floor(t);
        int highIdx = (int) Math.ceil(t);
        float w = t - (float) Math.floor(t);
        float logSigma = (1f - w) * logSigmas[lowIdx] + w * logSigmas[highIdx];
        return TorchMath.exp(logSigma);
    }

    @Override
    public String toString() {
        return "DiscreteSchedule[" + sigmas.length + " steps, sigma " + sigmaMin() + " .. " + sigmaMax() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DiscreteSchedule other && Arrays.equals(alphasCumprod, other.alphasCumprod);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(alphasCumprod);
    }
}
