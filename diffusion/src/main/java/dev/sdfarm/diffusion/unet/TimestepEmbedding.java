package dev.sdfarm.diffusion.unet;

/**
 * The LDM sinusoidal timestep embedding ({@code diffusionmodules.util.timestep_embedding}): for frequencies
 * {@code f_i = exp(-ln(10000) · i / half)}, the cosines of {@code t · f_i} then the sines. Computed in float32
 * step by step as torch does, since at t near 1000 the rounding of the argument moves the result by ~1e-5.
 */
final class TimestepEmbedding {
    private static final float NEG_LOG_MAX_PERIOD = (float) -Math.log(10000);

    private TimestepEmbedding() {
    }

    static float[] sinusoidal(double[] timesteps, int dim) {
        int half = dim / 2;
        float[] freqs = new float[half];
        for (int i = 0; i < half; i++) {
            freqs[i] = (float) Math.exp((NEG_LOG_MAX_PERIOD * i) / half);
        }
        float[] out = new float[timesteps.length * dim];
        for (int b = 0; b < timesteps.length; b++) {
            float t = (float) timesteps[b];
            for (int i = 0; i < half; i++) {
                float arg = t * freqs[i];
                out[b * dim + i] = (float) Math.cos(arg);
                out[b * dim + half + i] = (float) Math.sin(arg);
            }
        }
        return out;
    }
}
