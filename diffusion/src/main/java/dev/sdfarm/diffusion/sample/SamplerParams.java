package dev.sdfarm.diffusion.sample;

/**
 * The sampler settings A1111 passes to k-diffusion ({@code Sampler.initialize}): {@code eta} for ancestral/SDE
 * samplers and DDIM, and the churn settings of Euler, Heun and DPM2.
 *
 * @param eta    noise multiplier; NaN means the sampler's default (A1111's {@code eta_ancestral} 1.0 for k-diffusion
 *               samplers, {@code eta_ddim} 0.0 for DDIM)
 * @param sChurn {@code s_churn}, default 0
 * @param sTmin  {@code s_tmin}, default 0
 * @param sTmax  {@code s_tmax}; A1111's setting 0 means infinity, and so does 0 here
 * @param sNoise {@code s_noise}, default 1
 */
public record SamplerParams(double eta, double sChurn, double sTmin, double sTmax, double sNoise) {
    public static final SamplerParams DEFAULTS = new SamplerParams(Double.NaN, 0.0, 0.0, 0.0, 1.0);

    public SamplerParams {
        if (eta < 0 || sChurn < 0 || Double.isNaN(sChurn) || Double.isNaN(sTmin) || Double.isNaN(sTmax)
                || Double.isNaN(sNoise)) {
            throw new IllegalArgumentException("invalid sampler parameters: eta=" + eta + ", s_churn=" + sChurn
                    + ", s_tmin=" + sTmin + ", s_tmax=" + sTmax + ", s_noise=" + sNoise);
        }
    }

    public SamplerParams withEta(double value) {
        return new SamplerParams(value, sChurn, sTmin, sTmax, sNoise);
    }

    public SamplerParams withSNoise(double value) {
        return new SamplerParams(eta, sChurn, sTmin, sTmax, value);
    }

    public SamplerParams withChurn(double churn, double tmin, double tmax) {
        return new SamplerParams(eta, churn, tmin, tmax, sNoise);
    }

    double etaOr(double defaultEta) {
        return Double.isNaN(eta) ? defaultEta : eta;
    }

    double sTmaxOrInfinity() {
        return sTmax == 0.0 ? Double.POSITIVE_INFINITY : sTmax;
    }
}
