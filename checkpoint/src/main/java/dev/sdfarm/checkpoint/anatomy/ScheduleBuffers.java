package dev.sdfarm.checkpoint.anatomy;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The noise-schedule buffers diffusion wrappers register beside the networks. They are derived from the beta
 * schedule, one value per timestep, and samplers recompute them, so slimming may drop them.
 */
public final class ScheduleBuffers {
    /** The buffers {@code ldm.models.diffusion.ddpm.DDPM.register_schedule} registers, in that order. */
    public static final List<String> LDM_NAMES = List.of(
            "betas",
            "alphas_cumprod",
            "alphas_cumprod_prev",
            "sqrt_alphas_cumprod",
            "sqrt_one_minus_alphas_cumprod",
            "log_one_minus_alphas_cumprod",
            "sqrt_recip_alphas_cumprod",
            "sqrt_recipm1_alphas_cumprod",
            "posterior_variance",
            "posterior_log_variance_clipped",
            "posterior_mean_coef1",
            "posterior_mean_coef2");

    /**
     * Per-timestep loss weights; LDM keeps them as a plain attribute unless {@code learn_logvar} is set, so
     * only checkpoints trained that way store it.
     */
    public static final String LOGVAR = "logvar";

    /** The sigma table sgm's {@code DiscreteDenoiser} registers (SDXL). */
    public static final String SGM_SIGMAS = "denoiser.sigmas";

    /** Diffusion timesteps of every Stable Diffusion schedule. */
    public static final int TIMESTEPS = 1000;

    private static final Set<String> ALL = Stream.concat(LDM_NAMES.stream(), Stream.of(LOGVAR, SGM_SIGMAS))
            .collect(Collectors.toUnmodifiableSet());

    private ScheduleBuffers() {
    }

    /** The twelve LDM schedule buffers (SD1, SD2). */
    public static TensorLayout ldm(int timesteps) {
        TensorLayout.Builder b = TensorLayout.builder();
        LDM_NAMES.forEach(n -> b.add(n, timesteps));
        return b.build();
    }

    /** sgm's denoiser sigma table (SDXL). */
    public static TensorLayout sgm(int timesteps) {
        return TensorLayout.builder().add(SGM_SIGMAS, timesteps).build();
    }

    /** True for any schedule buffer name of LDM or sgm, including {@code logvar}. */
    public static boolean isScheduleKey(String key) {
        return ALL.contains(key);
    }
}
