package dev.sdfarm.diffusion.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * A1111's samplers by the names it shows ({@code samplers_k_diffusion} and {@code samplers_timesteps}), with their
 * aliases, default scheduler and {@code discard_next_to_last_sigma} option.
 *
 * <p>{@link #sigmas} is {@code KDiffusionSampler.get_sigmas}; {@link #txt2img} is {@code KDiffusionSampler.sample}
 * (initial noise times {@code sigmas[0]}, then the k-diffusion function with A1111's parameters). The timestep
 * samplers (DDIM, PLMS, UniPC: {@code CompVisSampler}) use {@link #timesteps} and {@link #sampleTimesteps} instead.
 */
public enum Sampler {
    DPMPP_2M("DPM++ 2M", Scheduler.KARRAS, false, "k_dpmpp_2m"),
    DPMPP_SDE("DPM++ SDE", Scheduler.KARRAS, false, "k_dpmpp_sde"),
    DPMPP_2M_SDE("DPM++ 2M SDE", Scheduler.EXPONENTIAL, false, "k_dpmpp_2m_sde"),
    DPMPP_2M_SDE_HEUN("DPM++ 2M SDE Heun", Scheduler.EXPONENTIAL, false, "k_dpmpp_2m_sde_heun"),
    DPMPP_2S_A("DPM++ 2S a", Scheduler.KARRAS, false, "k_dpmpp_2s_a"),
    DPMPP_3M_SDE("DPM++ 3M SDE", Scheduler.EXPONENTIAL, true, "k_dpmpp_3m_sde"),
    EULER_A("Euler a", null, false, "k_euler_a", "k_euler_ancestral"),
    EULER("Euler", null, false, "k_euler"),
    LMS("LMS", null, false, "k_lms"),
    HEUN("Heun", null, false, "k_heun"),
    DPM2("DPM2", Scheduler.KARRAS, true, "k_dpm_2"),
    DPM2_A("DPM2 a", Scheduler.KARRAS, true, "k_dpm_2_a"),
    DDIM("DDIM", null, false, "ddim"),
    PLMS("PLMS", null, false, "plms"),
    UNIPC("UniPC", null, false, "unipc");

    private final String label;
    private final Scheduler defaultScheduler;
    private final boolean discardNextToLastSigma;
    private final List<String> aliases;

    Sampler(String label, Scheduler defaultScheduler, boolean discardNextToLastSigma, String... aliases) {
        this.label = label;
        this.defaultScheduler = defaultScheduler;
        this.discardNextToLastSigma = discardNextToLastSigma;
        this.aliases = List.of(aliases);
    }

    public String label() {
        return label;
    }

    public List<String> aliases() {
        return aliases;
    }

    /** The scheduler "Automatic" means for this sampler; {@link Scheduler#AUTOMATIC} = the model's get_sigmas. */
    public Scheduler defaultScheduler() {
        return defaultScheduler == null ? Scheduler.AUTOMATIC : defaultScheduler;
    }

    public boolean discardNextToLastSigma() {
        return discardNextToLastSigma;
    }

    /**
     * DDIM, PLMS and UniPC ({@code samplers_timesteps}) work on timesteps and eps ({@link #sampleTimesteps}); the
     * others are k-diffusion samplers on sigmas.
     */
    public boolean usesTimesteps() {
        return this == DDIM || this == PLMS || this == UNIPC;
    }

    /** {@code CompVisSampler.get_timesteps} for a timestep sampler (see {@link Ddim#timesteps}). */
    public int[] timesteps(int steps, DiscreteSchedule model, boolean alwaysDiscardNextToLast) {
        requireTimesteps();
        return Ddim.timesteps(steps, model.size(), discardNextToLastSigma || alwaysDiscardNextToLast);
    }

    /**
     * {@code CompVisSampler.sample} for DDIM, PLMS and UniPC: the sampler from the initial noise {@code x} (not
     * scaled) over {@code timesteps}, with A1111's default settings ({@code eta_ddim} from {@code params}, UniPC's
     * {@link UniPc.Options#A1111_DEFAULTS}).
     */
    public float[] sampleTimesteps(TimestepDenoiser model, float[] x, int[] timesteps, DiscreteSchedule schedule,
                                   SamplerParams params, SamplerNoise noise) {
        requireTimesteps();
        return switch (this) {
            case DDIM -> Ddim.sample(model, x, timesteps, schedule, params.etaOr(0.0), noise);
            case PLMS -> Plms.sample(model, x, timesteps, schedule);
            case UNIPC -> UniPc.sample(model, x, timesteps, schedule, UniPc.Options.A1111_DEFAULTS);
            default -> throw new IllegalStateException(label + " works on sigmas");
        };
    }

    /** How many model evaluations {@link #sampleTimesteps} makes over {@code timesteps}. */
    public int timestepEvaluations(int[] timesteps) {
        requireTimesteps();
        int n = timesteps.length;
        return switch (this) {
            case DDIM -> n - 1;
            case PLMS -> n - 1 + (n > 1 ? 1 : 0);
            default -> n;
        };
    }

    private void requireTimesteps() {
        if (!usesTimesteps()) {
            throw new IllegalStateException(label + " works on sigmas, not timesteps");
        }
    }

    /** By label or alias, as A1111's {@code find_sampler_config} (case-insensitive); unknown names list the valid ones. */
    public static Sampler byName(String name) {
        if (name != null) {
            for (Sampler s : values()) {
                if (s.label.equalsIgnoreCase(name) || s.aliases.stream().anyMatch(a -> a.equalsIgnoreCase(name))) {
                    return s;
                }
            }
        }
        List<String> valid = new ArrayList<>();
        for (Sampler s : values()) {
            valid.add(s.label + " " + s.aliases);
        }
        throw new IllegalArgumentException("unknown sampler '" + name + "'; valid: " + String.join(", ", valid));
    }

    /**
     * {@code KDiffusionSampler.get_sigmas} with A1111's default settings: one more step when the sampler (or
     * {@code always_discard_next_to_last_sigma}) discards the next-to-last sigma, "Automatic" resolved to the
     * sampler's default scheduler, the model's sigma range, then the next-to-last value dropped.
     */
    public float[] sigmas(Scheduler scheduler, int steps, DiscreteSchedule model, boolean alwaysDiscardNextToLast) {
        if (usesTimesteps()) {
            throw new IllegalStateException(label + " works on timesteps; use timesteps()");
        }
        boolean discard = discardNextToLastSigma || alwaysDiscardNextToLast;
        int n = steps + (discard ? 1 : 0);
        Scheduler s = scheduler == null || scheduler == Scheduler.AUTOMATIC ? defaultScheduler() : scheduler;
        float[] sigmas = s.sigmas(n, model);
        if (discard) {
            float[] out = new float[sigmas.length - 1];
            System.arraycopy(sigmas, 0, out, 0, sigmas.length - 2);
            out[out.length - 1] = sigmas[sigmas.length - 1];
            sigmas = out;
        }
        return sigmas;
    }

    /**
     * {@code KDiffusionSampler.sample}: {@code x = noise * sigmas[0]}, then the sampler. {@code noise} is the initial
     * latent noise ({@code LatentNoise.next()}, batch concatenated); {@code samplerNoise} supplies later draws.
     */
    public float[] txt2img(Denoiser model, float[] noise, float[] sigmas, SamplerParams params,
                           SamplerNoise samplerNoise) {
        if (usesTimesteps()) {
            throw new IllegalStateException(label + " works on timesteps; use sampleTimesteps()");
        }
        float[] x = new float[noise.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = noise[i] * sigmas[0];
        }
        return run(model, x, sigmas, params, samplerNoise);
    }

    /** The k-diffusion function on an already scaled {@code x} (img2img passes {@code x + noise * sigma_sched[0]}). */
    public float[] run(Denoiser model, float[] x, float[] sigmas, SamplerParams params, SamplerNoise noise) {
        return switch (this) {
            case EULER -> KSamplers.euler(model, x, sigmas, params, noise);
            case EULER_A -> KSamplers.eulerAncestral(model, x, sigmas, params, noise);
            case HEUN -> KSamplers.heun(model, x, sigmas, params, noise);
            case LMS -> KSamplers.lms(model, x, sigmas, 4);
            case DPM2 -> KSamplers.dpm2(model, x, sigmas, params, noise);
            case DPM2_A -> KSamplers.dpm2Ancestral(model, x, sigmas, params, noise);
            case DPMPP_2M -> KSamplers.dpmpp2m(model, x, sigmas);
            case DPMPP_2S_A -> KSamplers.dpmpp2sAncestral(model, x, sigmas, params, noise);
            case DPMPP_SDE -> KSamplers.dpmppSde(model, x, sigmas, params, noise);
            case DPMPP_2M_SDE -> KSamplers.dpmpp2mSde(model, x, sigmas, params, noise, false);
            case DPMPP_2M_SDE_HEUN -> KSamplers.dpmpp2mSde(model, x, sigmas, params, noise, true);
            case DPMPP_3M_SDE -> KSamplers.dpmpp3mSde(model, x, sigmas, params, noise);
            case DDIM, PLMS, UNIPC -> throw new IllegalStateException(label + " works on timesteps; use sampleTimesteps()");
        };
    }

    @Override
    public String toString() {
        return label;
    }
}
