package dev.sdfarm.diffusion.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * A1111's schedule types ({@code modules/sd_schedulers.py}), by name ({@code karras}) or label ({@code Karras}).
 *
 * <p>Each returns the float32 sigmas a k-diffusion sampler walks, largest first, normally ending in 0 ({@code steps
 * + 1} values). {@link #AUTOMATIC} has no function of its own: it means the sampler's default scheduler, and for
 * samplers without one the model's {@link DiscreteSchedule#getSigmas(int)} (the same values as {@link #UNIFORM}).
 * {@code sigmaMin}/{@code sigmaMax} are what A1111 passes: the model's {@code sigmas[0]} and {@code sigmas[-1]}.
 *
 * <p>{@link #BETA} uses webui's default {@code beta_dist_alpha} and {@code beta_dist_beta} (0.6 each) and its own
 * quantile function in place of scipy's {@code stats.beta.ppf} ({@link BetaDistribution}).
 */
public enum Scheduler {
    AUTOMATIC("automatic", "Automatic"),
    UNIFORM("uniform", "Uniform"),
    KARRAS("karras", "Karras"),
    EXPONENTIAL("exponential", "Exponential"),
    POLYEXPONENTIAL("polyexponential", "Polyexponential"),
    SGM_UNIFORM("sgm_uniform", "SGM Uniform", "SGMUniform"),
    KL_OPTIMAL("kl_optimal", "KL Optimal"),
    ALIGN_YOUR_STEPS("align_your_steps", "Align Your Steps"),
    SIMPLE("simple", "Simple"),
    NORMAL("normal", "Normal"),
    DDIM("ddim", "DDIM"),
    BETA("beta", "Beta");

    /** webui's {@code beta_dist_alpha} and {@code beta_dist_beta} defaults ({@code modules/shared_options.py}). */
    public static final double BETA_DIST_ALPHA = 0.6;
    public static final double BETA_DIST_BETA = 0.6;

    /** Align Your Steps, SD 1.5 (A1111 {@code get_align_your_steps_sigmas}). */
    static final double[] AYS_SD15 = {14.615, 6.475, 3.861, 2.697, 1.886, 1.396, 0.963, 0.652, 0.399, 0.152, 0.029};
    /** Align Your Steps, SDXL. */
    static final double[] AYS_SDXL = {14.615, 6.315, 3.771, 2.181, 1.342, 0.862, 0.555, 0.380, 0.234, 0.113, 0.029};

    private final String name;
    private final String label;
    private final List<String> aliases;

    Scheduler(String name, String label, String... aliases) {
        this.name = name;
        this.label = label;
        this.aliases = List.of(aliases);
    }

    /** A1111's internal name ({@code karras}). */
    public String schedulerName() {
        return name;
    }

    /** The name A1111 shows and writes into infotext ({@code Karras}). */
    public String label() {
        return label;
    }

    public List<String> aliases() {
        return aliases;
    }

    /** {@code rho} A1111 passes by default (7 for Karras, 1 for Polyexponential); NaN for the others. */
    public double defaultRho() {
        return switch (this) {
            case KARRAS -> 7.0;
            case POLYEXPONENTIAL -> 1.0;
            default -> Double.NaN;
        };
    }

    /** By name, label or alias (A1111's {@code schedulers_map}); unknown names list the valid ones. */
    public static Scheduler byName(String nameOrLabel) {
        if (nameOrLabel == null || nameOrLabel.isEmpty()) {
            return AUTOMATIC;
        }
        for (Scheduler s : values()) {
            if (s.name.equals(nameOrLabel) || s.label.equals(nameOrLabel) || s.aliases.contains(nameOrLabel)) {
                return s;
            }
        }
        for (Scheduler s : values()) {
            if (s.name.equalsIgnoreCase(nameOrLabel) || s.label.equalsIgnoreCase(nameOrLabel)) {
                return s;
            }
        }
        List<String> valid = new ArrayList<>();
        for (Scheduler s : values()) {
            valid.add(s.label + " (" + s.name + ")");
        }
        throw new IllegalArgumentException("unknown scheduler '" + nameOrLabel + "'; valid: " + String.join(", ", valid));
    }

    /** The schedule with the model's sigma range and the default rho, as A1111 calls it with default settings. */
    public float[] sigmas(int steps, DiscreteSchedule model) {
        return sigmas(steps, model.sigmaMin(), model.sigmaMax(), defaultRho(), model);
    }

    /**
     * The schedule function of {@code sd_schedulers.py} for {@code steps} (its {@code n}). {@link #AUTOMATIC} gives
     * the model's own {@code get_sigmas}. {@code rho} is used by Karras and Polyexponential only.
     */
    public float[] sigmas(int steps, double sigmaMin, double sigmaMax, double rho, DiscreteSchedule model) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1, got " + steps);
        }
        return switch (this) {
            case AUTOMATIC, UNIFORM -> model.getSigmas(steps);
            case KARRAS -> karras(steps, sigmaMin, sigmaMax, rho);
            case EXPONENTIAL -> exponential(steps, sigmaMin, sigmaMax);
            case POLYEXPONENTIAL -> polyexponential(steps, sigmaMin, sigmaMax, rho);
            case SGM_UNIFORM -> sgmUniform(steps, sigmaMin, sigmaMax, model);
            case KL_OPTIMAL -> klOptimal(steps, sigmaMin, sigmaMax);
            case ALIGN_YOUR_STEPS -> alignYourSteps(steps, AYS_SD15);
            case SIMPLE -> simple(steps, model);
            case NORMAL -> normal(steps, sigmaMin, sigmaMax, model);
            case DDIM -> ddim(steps, model);
            case BETA -> beta(steps, sigmaMin, sigmaMax, BETA_DIST_ALPHA, BETA_DIST_BETA);
        };
    }

    /** k-diffusion {@code get_sigmas_karras}: {@code (max^(1/rho) + ramp * (min^(1/rho) - max^(1/rho)))^rho}, then 0. */
    public static float[] karras(int n, double sigmaMin, double sigmaMax, double rho) {
        float[] ramp = TorchMath.linspace(0f, 1f, n);
        double minInvRho = Math.pow(sigmaMin, 1 / rho);
        double maxInvRho = Math.pow(sigmaMax, 1 / rho);
        float span = (float) (minInvRho - maxInvRho);
        float base = (float) maxInvRho;
        float r = (float) rho;
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) {
            float v = base + ramp[i] * span;
            out[i] = (float) Math.pow(v, r);
        }
        return out;
    }

    /** k-diffusion {@code get_sigmas_exponential}: exp of {@code linspace(log(max), log(min), n)}, then 0. */
    public static float[] exponential(int n, double sigmaMin, double sigmaMax) {
        float[] logs = TorchMath.linspace((float) Math.log(sigmaMax), (float) Math.log(sigmaMin), n);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) {
            out[i] = TorchMath.exp(logs[i]);
        }
        return out;
    }

    /** k-diffusion {@code get_sigmas_polyexponential}: {@code exp(linspace(1, 0, n)^rho * (log max - log min) + log min)}. */
    public static float[] polyexponential(int n, double sigmaMin, double sigmaMax, double rho) {
        float[] ramp = TorchMath.linspace(1f, 0f, n);
        float span = (float) (Math.log(sigmaMax) - Math.log(sigmaMin));
        float logMin = (float) Math.log(sigmaMin);
        float r = (float) rho;
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) {
            float p = r == 1f ? ramp[i] : (float) Math.pow(ramp[i], r);
            out[i] = TorchMath.exp(p * span + logMin);
        }
        return out;
    }

    /** A1111 {@code sgm_uniform}: t_to_sigma of {@code linspace(t(max), t(min), n + 1)[:-1]}, then 0. */
    public static float[] sgmUniform(int n, double sigmaMin, double sigmaMax, DiscreteSchedule model) {
        float start = model.sigmaToT((float) sigmaMax);
        float end = model.sigmaToT((float) sigmaMin);
        float[] ts = TorchMath.linspace(start, end, n + 1);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) {
            out[i] = model.tToSigma(ts[i]);
        }
        return out;
    }

    /** A1111 {@code kl_optimal}: {@code tan(i/n * atan(min) + (1 - i/n) * atan(max))} for i = 0..n (no 0 appended). */
    public static float[] klOptimal(int n, double sigmaMin, double sigmaMax) {
        float alphaMin = (float) Math.atan((float) sigmaMin);
        float alphaMax = (float) Math.atan((float) sigmaMax);
        float[] out = new float[n + 1];
        for (int i = 0; i <= n; i++) {
            float q = (float) i / (float) n;
            out[i] = (float) Math.tan(q * alphaMin + (1f - q) * alphaMax);
        }
        return out;
    }

    /** A1111 {@code get_align_your_steps_sigmas}: the 10-step table, log-linearly resampled to n (numpy), then 0. */
    public static float[] alignYourSteps(int n, double[] table) {
        float[] out = new float[n + 1];
        if (n == table.length) {
            for (int i = 0; i < n; i++) {
                out[i] = (float) table[i];
            }
            return out;
        }
        int m = table.length;
        double[] xs = numpyLinspace(0, 1, m);
        double[] ys = new double[m];
        for (int i = 0; i < m; i++) {
            ys[i] = Math.log(table[m - 1 - i]);
        }
        double[] newXs = numpyLinspace(0, 1, n);
        for (int i = 0; i < n; i++) {
            double y = Math.exp(numpyInterp(newXs[i], xs, ys));
            out[n - 1 - i] = (float) y;
        }
        return out;
    }

    /** A1111 {@code simple_scheduler}: every (1000 / n)-th model sigma from the top, then 0. */
    public static float[] simple(int n, DiscreteSchedule model) {
        int size = model.size();
        double ss = (double) size / n;
        float[] out = new float[n + 1];
        for (int x = 0; x < n; x++) {
            out[x] = model.sigma(size - 1 - (int) (x * ss));
        }
        return out;
    }

    /** A1111 {@code normal_scheduler} (sgm=False): t_to_sigma of {@code linspace(t(max), t(min), n)}, then 0. */
    public static float[] normal(int n, double sigmaMin, double sigmaMax, DiscreteSchedule model) {
        float start = model.sigmaToT((float) sigmaMax);
        float end = model.sigmaToT((float) sigmaMin);
        float[] ts = TorchMath.linspace(start, end, n);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) {
            out[i] = model.tToSigma(ts[i]);
        }
        return out;
    }

    /** A1111 {@code ddim_scheduler}: model sigmas at t = 1, 1 + 1000 // n, ... below 1000, largest first, then 0. */
    public static float[] ddim(int n, DiscreteSchedule model) {
        int size = model.size();
        int ss = Math.max(size / n, 1);
        List<Float> sigs = new ArrayList<>();
        for (int x = 1; x < size; x += ss) {
            sigs.add(model.sigma(x));
        }
        float[] out = new float[sigs.size() + 1];
        for (int i = 0; i < sigs.size(); i++) {
            out[i] = sigs.get(sigs.size() - 1 - i);
        }
        return out;
    }

    /**
     * A1111 {@code beta_scheduler}: {@code sigma_min + ppf(1 - linspace(0, 1, n), alpha, beta) * (sigma_max -
     * sigma_min)} in double (numpy and scipy), then float32, then 0.
     */
    public static float[] beta(int n, double sigmaMin, double sigmaMax, double alpha, double beta) {
        double[] ramp = numpyLinspace(0, 1, n);
        float[] out = new float[n + 1];
        for (int i = 0; i < n; i++) {
            double x = BetaDistribution.ppf(1 - ramp[i], alpha, beta);
            out[i] = (float) (sigmaMin + x * (sigmaMax - sigmaMin));
        }
        return out;
    }

    /** {@code numpy.linspace(start, stop, num)}: {@code i * step + start}, the last value exactly {@code stop}. */
    static double[] numpyLinspace(double start, double stop, int num) {
        double[] out = new double[num];
        if (num == 1) {
            out[0] = start;
            return out;
        }
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++) {
            out[i] = i * step + start;
        }
        out[num - 1] = stop;
        return out;
    }

    /** {@code numpy.interp} for increasing {@code xp}. */
    static double numpyInterp(double x, double[] xp, double[] fp) {
        int last = xp.length - 1;
        if (x <= xp[0]) {
            return x == xp[0] || last == 0 ? fp[0] : fp[0];
        }
        if (x >= xp[last]) {
            return fp[last];
        }
        int j = 0;
        while (j + 1 <= last && xp[j + 1] <= x) {
            j++;
        }
        if (j == last) {
            return fp[last];
        }
        double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
        double y = slope * (x - xp[j]) + fp[j];
        if (Double.isNaN(y)) {
            y = slope * (x - xp[j + 1]) + fp[j + 1];
            if (Double.isNaN(y) && fp[j] == fp[j + 1]) {
                y = fp[j];
            }
        }
        return y;
    }

    @Override
    public String toString() {
        return label;
    }
}
