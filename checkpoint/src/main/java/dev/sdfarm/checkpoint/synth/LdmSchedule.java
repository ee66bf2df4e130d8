package dev.sdfarm.checkpoint.synth;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sampling-schedule buffers an LDM checkpoint stores, computed as LDM's {@code register_schedule} does
 * for the "linear" schedule (linear in sqrt(beta)) in float64 and then rounded to float32.
 */
public final class LdmSchedule {
    private LdmSchedule() {
    }

    /**
     * Buffer name → 1000 float32 values, in the order LDM registers them.
     *
     * @param linearStart beta at t=0 (SD1.x/2.x: 0.00085)
     * @param linearEnd   beta at t=999 (SD1.x/2.x: 0.012)
     */
    public static Map<String, float[]> values(int timesteps, double linearStart, double linearEnd) {
        double[] betas = new double[timesteps];
        double a = Math.sqrt(linearStart);
        double b = Math.sqrt(linearEnd);
        double step = (b - a) / (timesteps - 1);
        for (int i = 0; i < timesteps; i++) {
            // torch.linspace (which LDM calls) fills the first half from the start and the second from the end.
            double s = i < timesteps / 2 ? a + step * i : b - step * (timesteps - i - 1);
            betas[i] = s * s;
        }
        double[] ac = new double[timesteps];
        double[] acPrev = new double[timesteps];
        double prod = 1;
        for (int i = 0; i < timesteps; i++) {
            acPrev[i] = prod;
            prod *= 1 - betas[i];
            ac[i] = prod;
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        out.put("betas", f32(betas));
        out.put("alphas_cumprod", f32(ac));
        out.put("alphas_cumprod_prev", f32(acPrev));
        out.put("sqrt_alphas_cumprod", map(ac, Math::sqrt));
        out.put("sqrt_one_minus_alphas_cumprod", map(ac, x -> Math.sqrt(1 - x)));
        out.put("log_one_minus_alphas_cumprod", map(ac, x -> Math.log(1 - x)));
        out.put("sqrt_recip_alphas_cumprod", map(ac, x -> Math.sqrt(1 / x)));
        out.put("sqrt_recipm1_alphas_cumprod", map(ac, x -> Math.sqrt(1 / x - 1)));
        double[] postVar = new double[timesteps];
        double[] coef1 = new double[timesteps];
        double[] coef2 = new double[timesteps];
        for (int i = 0; i < timesteps; i++) {
            postVar[i] = betas[i] * (1 - acPrev[i]) / (1 - ac[i]);
            coef1[i] = betas[i] * Math.sqrt(acPrev[i]) / (1 - ac[i]);
            coef2[i] = (1 - acPrev[i]) * Math.sqrt(1 - betas[i]) / (1 - ac[i]);
        }
        out.put("posterior_variance", f32(postVar));
        out.put("posterior_log_variance_clipped", map(postVar, x -> Math.log(Math.max(x, 1e-20))));
        out.put("posterior_mean_coef1", f32(coef1));
        out.put("posterior_mean_coef2", f32(coef2));
        return out;
    }

    private static float[] f32(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    private static float[] map(double[] v, java.util.function.DoubleUnaryOperator op) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) op.applyAsDouble(v[i]);
        }
        return f;
    }
}
